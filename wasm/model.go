package main

import (
	"fmt"

	"github.com/rdlm-go/rdlm/core/ckpt"
	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/process"
	"github.com/rdlm-go/rdlm/core/schedule"
	"github.com/rdlm-go/rdlm/core/text"
)

// maxModelBytes bounds what a page may load: the weights file and the
// float32 parameters are both in memory while loading, and a js/wasm
// module addresses at most 4 GiB, of which the browser often grants less.
const maxModelBytes = 1536 << 20

// ModelInfo is what the page shows about a loaded (or inspected) model.
type ModelInfo struct {
	Params       int    `json:"params"`
	Length       int    `json:"length"` // positions the model was built for: the largest length
	Vocab        string `json:"vocab"`
	Hidden       int    `json:"hidden"`
	Blocks       int    `json:"blocks"`
	SampleSteps  int    `json:"sampleSteps"` // the model's default number of steps
	TrainedSteps int64  `json:"trainedSteps"`
	DType        string `json:"dtype"`
	SHA256       string `json:"sha256"`
}

// CheckConfig validates a config.json and says whether its model can run
// here, before any weights are fetched.
func CheckConfig(configJSON []byte) (ModelInfo, error) {
	cfg, err := ckpt.ParseConfig(configJSON)
	if err != nil {
		return ModelInfo{}, err
	}
	if err := fits(cfg); err != nil {
		return ModelInfo{}, err
	}
	return infoOf(cfg), nil
}

// fits refuses the models this front end cannot sample, each with the reason.
func fits(cfg ckpt.Config) error {
	pc, mc := cfg.Process, cfg.Model
	if pc.IsMDLM() {
		return fmt.Errorf("this model is the masked-diffusion (MDLM) baseline; the page samples RDLM models")
	}
	if pc.Vocab != "text8" {
		return fmt.Errorf("the model's vocabulary %q is not a text vocabulary the page can show (known: text8)", pc.Vocab)
	}
	bytesPerWeight := 4
	if cfg.DType != ckpt.DTypeF32 {
		bytesPerWeight = 2
	}
	need := int64(mc.NumParams()) * int64(4+bytesPerWeight)
	if need > maxModelBytes {
		return fmt.Errorf("the model has %d parameters: about %d MiB in memory while loading, more than the %d MiB a browser tab can be relied on for",
			mc.NumParams(), need>>20, maxModelBytes>>20)
	}
	return nil
}

func infoOf(cfg ckpt.Config) ModelInfo {
	mc := cfg.Model
	return ModelInfo{Params: mc.NumParams(), Length: mc.Length, Vocab: cfg.Process.Vocab, Hidden: mc.Hidden,
		Blocks: mc.Blocks, SampleSteps: cfg.Process.SampleSteps, TrainedSteps: cfg.Step, DType: cfg.DType,
		SHA256: cfg.WeightsSHA256}
}

// Model is a checkpoint ready to sample: decoded once, shared by every
// generation of every widget on the page.
type Model struct {
	info   ModelInfo
	params *model.Params[float32]
	vocab  *text.Vocab
	sched  schedule.Schedule
	mix    process.Mixture
}

// LoadModel decodes and checks a checkpoint held in memory.
func LoadModel(configJSON, weights []byte) (*Model, error) {
	if _, err := CheckConfig(configJSON); err != nil {
		return nil, err
	}
	c, err := ckpt.FromBytes(configJSON, weights)
	if err != nil {
		return nil, err
	}
	pc := c.Config.Process
	sched, err := schedule.ByName(pc.Schedule, pc.Beta0, pc.Beta1)
	if err != nil {
		return nil, err
	}
	// As in rdlm sample: the checkpoint's step mixture picks the start point.
	mix, err := process.ParseMixture("step", pc.StepThr)
	if err != nil {
		return nil, err
	}
	return &Model{info: infoOf(c.Config), params: c.Params, vocab: text.Text8(), sched: sched, mix: mix}, nil
}

// Info describes the model.
func (m *Model) Info() ModelInfo { return m.info }
