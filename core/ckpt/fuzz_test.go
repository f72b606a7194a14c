package ckpt

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/rdlm-go/rdlm/core/model"
)

// fuzzCheckpoint is a small saved checkpoint's two files.
func fuzzCheckpoint(f *testing.F) (cfg, weights []byte) {
	dir := filepath.Join(f.TempDir(), "ck")
	p := model.NewParams[float32](testModel)
	p.Init(3, false)
	c := &Checkpoint{Config: Config{Model: testModel, Process: DefaultProcess(), Step: 5, DType: DTypeF16}, Params: p}
	if err := Save(dir, c); err != nil {
		f.Fatal(err)
	}
	cfg, err := os.ReadFile(filepath.Join(dir, ConfigFile))
	if err != nil {
		f.Fatal(err)
	}
	weights, err = os.ReadFile(filepath.Join(dir, WeightsFile))
	if err != nil {
		f.Fatal(err)
	}
	return cfg, weights
}

// configSeeds are configs near the edges of what Validate accepts.
var configSeeds = []string{
	`{"format":1,"model":{"vocab":27,"length":8,"hidden":16,"heads":2,"blocks":1099511627776,"cond":8},"process":{"vocab":"text8","step_thr":0.35,"rho_formula":"exact","rho_scale":1,"schedule":"geometric","beta0":0.001,"beta1":0.2,"sample_steps":256},"dtype":"f32","weights_sha256":"0000000000000000000000000000000000000000000000000000000000000000"}`,
	`{"format":1,"model":{"vocab":256,"length":392,"hidden":16,"heads":2,"blocks":1,"cond":8},"process":{"vocab":"pixels","step_thr":0,"rho_formula":"exact","rho_scale":1,"schedule":"linear","beta0":0.1,"beta1":20,"sample_steps":1,"split":{"vocab":256,"base":16,"digits":2},"image":{"height":14,"width":14,"channels":1}},"dtype":"f32","weights_sha256":"0000000000000000000000000000000000000000000000000000000000000000"}`,
	`{"format":1,"model":{"vocab":16,"length":6,"hidden":16,"heads":2,"blocks":1,"cond":8},"process":{"vocab":"x","step_thr":0,"rho_formula":"exact","rho_scale":1,"schedule":"cosine","beta0":0.1,"beta1":1,"sample_steps":1,"split":{"vocab":0,"base":16,"digits":0},"image":{"height":4611686018427387904,"width":4,"channels":3}},"dtype":"bf16","weights_sha256":"00"}`,
	`{"format":1}`,
	`[]`,
}

// FuzzParseConfig: any bytes either parse into a config that validates,
// within the model's limits (so that nothing sized from it can be absurd),
// and that survives a JSON round trip unchanged; or give an error. Never a
// panic.
func FuzzParseConfig(f *testing.F) {
	good, _ := fuzzCheckpoint(f)
	f.Add(good)
	for _, s := range configSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		cfg, err := ParseConfig(b)
		if err != nil {
			return
		}
		if err := cfg.Model.CheckLimits(); err != nil {
			t.Fatalf("accepted beyond the limits: %v", err)
		}
		if n := cfg.Model.NumParams(); n < 1 || n > model.MaxParams {
			t.Fatalf("%d parameters", n)
		}
		js, err := json.Marshal(cfg)
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseConfig(js)
		if err != nil {
			t.Fatalf("the config does not parse back: %v", err)
		}
		if !reflect.DeepEqual(cfg, again) {
			t.Fatalf("the config changed in a round trip: %s", configDiffs(again, cfg))
		}
	})
}

// FuzzFromBytes: a config and a weights file, each possibly damaged, either
// load into parameters of exactly the config's size whose checksum matched,
// or give an error; never a panic, and never parameters the weights file
// does not hold.
func FuzzFromBytes(f *testing.F) {
	cfg, weights := fuzzCheckpoint(f)
	f.Add(cfg, weights)
	f.Add(cfg, weights[:len(weights)-2])
	for _, s := range configSeeds {
		f.Add([]byte(s), weights)
	}
	f.Fuzz(func(t *testing.T, cfg, weights []byte) {
		c, err := FromBytes(cfg, weights)
		if err != nil {
			return
		}
		if len(c.Params.Flat) != c.Config.Model.NumParams() {
			t.Fatalf("%d parameters for a config of %d", len(c.Params.Flat), c.Config.Model.NumParams())
		}
		if 2*len(c.Params.Flat) > len(weights) { // at least two bytes per weight (f16, bf16)
			t.Fatalf("%d parameters from a %d-byte file", len(c.Params.Flat), len(weights))
		}
		if !reflect.DeepEqual(c.Config, mustParse(t, cfg)) {
			t.Fatal("the loaded config is not the file's")
		}
	})
}

func mustParse(t *testing.T, b []byte) Config {
	c, err := ParseConfig(b)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
