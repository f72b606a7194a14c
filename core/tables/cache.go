package tables

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/rdlm-go/rdlm/core/process"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"github.com/rdlm-go/rdlm/core/safetensors"
)

// The cache file is safetensors: four F32 tensors of shape (2, Steps+1) (row
// 0 masked, row 1 uniform; "alphas" and "rhos" as in the reference's table
// file, plus the simulated means "ek" and "start"), and metadata holding
// every parameter the tables depend on and a SHA-256 over those parameters
// and the tensor bytes. Loading recomputes the checksum (corruption) and
// compares the parameters with the ones asked for (a stale cache).

// cacheFormat names the file layout and the simulation algorithm: a change to
// either must change it, so that old caches are rejected rather than reused.
const cacheFormat = "rdlm-tables/1 philox4x32-10 ziggurat256 euler-projections"

var cacheTensors = [4]string{"alphas", "rhos", "ek", "start"}

func (t *Tables) rows() [4]*[2][]float32 {
	return [4]*[2][]float32{&t.Alpha, &t.Rho, &t.EK, &t.Start}
}

// params is the metadata that identifies a table, in a fixed order.
func (c Config) params() [][2]string {
	return [][2]string{
		{"format", cacheFormat},
		{"tokens", strconv.Itoa(c.Tokens)},
		{"formula", string(c.Formula)},
		{"rho_scale", strconv.FormatFloat(c.RhoScale, 'g', -1, 64)},
		{"particles", strconv.Itoa(c.Particles)},
		{"seed", strconv.FormatUint(c.Seed, 10)},
		{"steps", strconv.Itoa(c.Steps)},
		{"schedule", c.Schedule},
		{"beta0", strconv.FormatFloat(c.Beta0, 'g', -1, 64)},
		{"beta1", strconv.FormatFloat(c.Beta1, 'g', -1, 64)},
	}
}

// checksum hashes the parameters as stored and the tensor bytes in order.
func checksum(meta map[string]string, names []string, data [][]byte) string {
	h := sha256.New()
	for _, kv := range (Config{}).params() {
		fmt.Fprintf(h, "%s=%s\n", kv[0], meta[kv[0]])
	}
	for i, name := range names {
		fmt.Fprintf(h, "%s:%d\n", name, len(data[i]))
		h.Write(data[i])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Save writes the tables to path atomically (a temporary file renamed into
// place), so an interrupted build never leaves a torn cache.
func (t *Tables) Save(path string) error {
	meta := map[string]string{}
	for _, kv := range t.Config.params() {
		meta[kv[0]] = kv[1]
	}
	n := t.Steps() + 1
	tensors := make([]safetensors.Tensor, 0, len(cacheTensors))
	datas := make([][]byte, 0, len(cacheTensors))
	for i, rows := range t.rows() {
		vals := make([]float32, 0, 2*n)
		vals = append(vals, rows[process.StartMasked]...)
		vals = append(vals, rows[process.StartUniform]...)
		ten, err := safetensors.FromFloat32(cacheTensors[i], safetensors.F32, []int{2, n}, vals)
		if err != nil {
			return err
		}
		tensors = append(tensors, ten)
		datas = append(datas, ten.Data)
	}
	meta["sha256"] = checksum(meta, cacheTensors[:], datas)
	if err := safetensors.WriteFile(path, tensors, meta); err != nil {
		return fmt.Errorf("tables: writing cache %s: %w", path, err)
	}
	return nil
}

// ErrNoCache is returned (wrapped) by Load when the file does not exist.
var ErrNoCache = errors.New("tables: no cache file")

// Load reads tables from path and checks that they were built with want's
// parameters (Workers aside) and are intact.
func Load(path string, want Config) (*Tables, error) {
	if err := want.Validate(); err != nil {
		return nil, err
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w at %s", ErrNoCache, path)
	}
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tables: cache %s is unreadable: %w", path, err)
	}
	meta := f.Metadata
	if meta["format"] != cacheFormat {
		return nil, fmt.Errorf("tables: %s is not a tables cache of this version (format %q, want %q); delete it to rebuild", path, meta["format"], cacheFormat)
	}
	datas := make([][]byte, len(cacheTensors))
	for i, name := range cacheTensors {
		ten, err := f.Get(name)
		if err != nil {
			return nil, fmt.Errorf("tables: cache %s is corrupt: %w", path, err)
		}
		datas[i] = ten.Data
	}
	if sum := checksum(meta, cacheTensors[:], datas); meta["sha256"] != sum {
		return nil, fmt.Errorf("tables: cache %s is corrupt: checksum %.12s... does not match its content (%.12s...); delete it to rebuild", path, meta["sha256"], sum)
	}
	var diffs []string
	for _, kv := range want.params() {
		if got := meta[kv[0]]; got != kv[1] {
			diffs = append(diffs, fmt.Sprintf("%s=%s (want %s)", kv[0], got, kv[1]))
		}
	}
	if len(diffs) > 0 {
		return nil, fmt.Errorf("tables: cache %s was built with other parameters: %s; delete it or use another cache file", path, strings.Join(diffs, ", "))
	}
	want.Workers = 0
	t := &Tables{Config: want}
	n := want.Steps + 1
	for i, rows := range t.rows() {
		ten := f.Tensors[cacheTensors[i]]
		if len(ten.Shape) != 2 || ten.Shape[0] != 2 || ten.Shape[1] != n || ten.DType != safetensors.F32 {
			return nil, fmt.Errorf("tables: cache %s: tensor %s has shape %v %s, want [2 %d] F32", path, cacheTensors[i], ten.Shape, ten.DType, n)
		}
		vals, err := ten.Float32()
		if err != nil {
			return nil, fmt.Errorf("tables: cache %s: %w", path, err)
		}
		rows[process.StartMasked], rows[process.StartUniform] = vals[:n:n], vals[n:]
	}
	return t, nil
}

// LoadOrBuild loads the cache at path when it exists, or builds the tables
// and writes the cache. A cache built with other parameters, or corrupt, is
// an error, never silently replaced. An empty path only builds.
func LoadOrBuild(path string, cfg Config) (t *Tables, built bool, err error) {
	if path != "" {
		t, err = Load(path, cfg)
		if err == nil || !errors.Is(err, ErrNoCache) {
			return t, false, err
		}
	}
	t, err = Build(cfg)
	if err != nil {
		return nil, false, err
	}
	if path != "" {
		if err := t.Save(path); err != nil {
			return nil, false, err
		}
	}
	return t, true, nil
}
