package train

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/rdlm-go/rdlm/core/atomicfile"
	"github.com/rdlm-go/rdlm/internal/userfile"
)

// record is one line of metrics.jsonl: training figures (every log_every
// steps) or a validation estimate (at each evaluation).
type record struct {
	Step        int      `json:"step"`
	Loss        float64  `json:"loss,omitempty"`         // mean training loss over the interval
	GradNorm    float64  `json:"grad_norm,omitempty"`    // mean gradient norm before clipping
	LR          float64  `json:"lr,omitempty"`           // learning rate of the step
	TokensPerS  float64  `json:"tokens_per_s,omitempty"` // training throughput over the interval
	ElapsedS    float64  `json:"elapsed_s,omitempty"`    // wall time of this process so far
	ValidBPC    *float64 `json:"valid_bpc,omitempty"`    // validation BPC of the EMA weights
	ValidStdErr *float64 `json:"valid_bpc_stderr,omitempty"`
	Estimator   string   `json:"estimator,omitempty"` // how valid_bpc was computed
	// ValidBPD is, for image models, the same estimate in bits per pixel
	// value: valid_bpc is per position, and a split model spends several
	// positions (digits) on each value.
	ValidBPD *float64 `json:"valid_bpd,omitempty"`
}

// metricsLog appends records to metrics.jsonl.
type metricsLog struct {
	f *os.File
}

// create starts the metrics of a run at step 0, replacing those of a run
// that stopped before its first checkpoint (openRun has ruled out a run
// with one, and holds the folder's lock).
func (m *metricsLog) create(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	m.f = f
	return nil
}

// reopen keeps the records up to step (rewriting the file atomically) and
// returns them; later appends go after them.
func (m *metricsLog) reopen(path string, step int) ([]record, error) {
	b, err := userfile.Read(path, userfile.Metrics)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	var keep bytes.Buffer
	var hist []record
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		var r record
		if json.Unmarshal(sc.Bytes(), &r) != nil || r.Step > step {
			continue // a torn last line, or a step after the checkpoint
		}
		keep.Write(sc.Bytes())
		keep.WriteByte('\n')
		hist = append(hist, r)
	}
	if err := sc.Err(); err != nil { // never rewrite the history from a partial read
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if err := atomicfile.WriteBytes(path, keep.Bytes()); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	m.f = f
	return hist, nil
}

func (m *metricsLog) write(r record) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = m.f.Write(append(b, '\n'))
	return err
}

func (m *metricsLog) close() {
	if m.f != nil {
		m.f.Close()
		m.f = nil
	}
}

func (tr *Trainer) logRecord(r record) error {
	tr.history = append(tr.history, r)
	if err := tr.log.write(r); err != nil {
		return fmt.Errorf("train: %s: %v", MetricsFile, err)
	}
	return nil
}

// meter averages the loss and gradient norm over a logging interval and
// measures throughput and the time left.
type meter struct {
	begin, last  time.Time
	startStep    int
	steps, total int
	tokensPer    int
	lossSum      float64
	normSum      float64
	n            int
	lastStep     int
	drawn        time.Time // when the progress line was last drawn
}

func newMeter(step, total, tokensPerStep int) *meter {
	now := time.Now()
	return &meter{begin: now, last: now, startStep: step, lastStep: step, total: total, tokensPer: tokensPerStep}
}

func (m *meter) add(loss, norm float64) {
	m.lossSum += loss
	m.normSum += norm
	m.n++
}

// peek is the running interval's figures without closing it.
func (m *meter) peek(step int) record {
	r := record{Step: step}
	if m.n > 0 {
		r.Loss, r.GradNorm = m.lossSum/float64(m.n), m.normSum/float64(m.n)
	}
	if d := time.Since(m.last).Seconds(); d > 0 {
		r.TokensPerS = float64((step-m.lastStep)*m.tokensPer) / d
	}
	r.ElapsedS = time.Since(m.begin).Seconds()
	return r
}

// record closes the interval.
func (m *meter) record(step int, lr float64) record {
	r := m.peek(step)
	r.LR = lr
	m.lossSum, m.normSum, m.n = 0, 0, 0
	m.last, m.lastStep = time.Now(), step
	return r
}

// eta is the time left at the average pace of this process so far.
func (m *meter) eta(step int) time.Duration {
	done := step - m.startStep
	if done <= 0 {
		return 0
	}
	per := time.Since(m.begin) / time.Duration(done)
	return per * time.Duration(m.total-step)
}

// progressLine reports a step: rewritten in place on a terminal, one line
// per logging interval otherwise.
func (tr *Trainer) progressLine(m *meter, r record) {
	w := tr.opt.Progress
	if w == nil {
		return
	}
	m.drawn = time.Now()
	line := fmt.Sprintf("step %d/%d  loss %.4g  grad %.3g  %.0f tok/s  ETA %s",
		r.Step, tr.cfg.Steps, r.Loss, r.GradNorm, r.TokensPerS, m.eta(r.Step).Round(time.Second))
	if tr.opt.Terminal {
		fmt.Fprintf(w, "\r%-78s", line)
		return
	}
	fmt.Fprintln(w, line)
}

// progressEnd finishes a line rewritten in place.
func (tr *Trainer) progressEnd() {
	if tr.opt.Progress != nil && tr.opt.Terminal {
		fmt.Fprintln(tr.opt.Progress)
	}
}

func (tr *Trainer) progressf(format string, a ...any) {
	if tr.opt.Progress != nil {
		fmt.Fprintf(tr.opt.Progress, format, a...)
	}
}
