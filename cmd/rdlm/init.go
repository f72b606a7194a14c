package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/rdlm-go/rdlm/core/ckpt"
	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/internal/userfile"
)

func init() {
	register(&command{
		name:    "init",
		summary: "write a randomly initialised checkpoint",
		usage:   "--preset NAME [--config FILE.json] --out DIR [--seed S] [--f16] [--no-zero-init] [--force] [--json]",
		run:     runInit,
	})
}

func runInit(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	preset := fs.String("preset", "", fmt.Sprintf("architecture preset (%v)", model.PresetNames()))
	configPath := fs.String("config", "", "JSON file overriding the preset: a model config {\"vocab\":27,...} or {\"model\":{...},\"process\":{...}} (a checkpoint's config.json works too)")
	out := fs.String("out", "", "checkpoint folder to write")
	seed := fs.Uint64("seed", 0, "seed of the initial weights")
	f16 := fs.Bool("f16", false, "store the weights as float16")
	noZeroInit := fs.Bool("no-zero-init", false, "give the modulation and output layers random values instead of zeros (for tests: non-zero logits)")
	force := fs.Bool("force", false, "write into a folder that is not empty")
	asJSON := fs.Bool("json", false, "print one JSON line")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *preset == "" && *configPath == "" {
		return usagef("give --preset NAME (%v) or --config FILE.json", model.PresetNames())
	}
	if *out == "" {
		return usagef("--out DIR is required")
	}
	cfg := ckpt.Config{Process: ckpt.DefaultProcess(), DType: ckpt.DTypeF32}
	if *f16 {
		cfg.DType = ckpt.DTypeF16
	}
	if *preset != "" {
		mc, err := model.Preset(*preset)
		if err != nil {
			return usagef("%v", err)
		}
		cfg.Model = mc
	}
	if *configPath != "" {
		if err := applyConfigFile(*configPath, &cfg); err != nil {
			return err
		}
	}
	// The whole config is checked before the parameters are allocated: a
	// size beyond the model's limits must be an error, not an allocation.
	check := cfg
	check.WeightsSHA256 = strings.Repeat("0", 64) // Save sets it
	check.Format = ckpt.FormatVersion
	if err := check.Validate(); err != nil {
		return fmt.Errorf("%s: %v", configLabel(*preset, *configPath), err)
	}
	if err := refuseNonEmpty(*out, *force); err != nil {
		return err
	}
	params := model.NewParams[float32](cfg.Model)
	params.Init(*seed, !*noZeroInit)
	c := &ckpt.Checkpoint{Config: cfg, Params: params}
	if err := ckpt.Save(*out, c); err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, map[string]any{
			"out": *out, "params": len(params.Flat), "dtype": c.Config.DType, "seed": *seed,
			"zero_init": !*noZeroInit, "model": c.Config.Model, "weights_sha256": c.Config.WeightsSHA256,
		})
	}
	_, err := fmt.Fprintf(stdout, "wrote %s: %d parameters, %s, seed %d\n", *out, len(params.Flat), c.Config.DType, *seed)
	return err
}

// applyConfigFile overlays a JSON file on cfg. Two shapes are accepted: a bare
// model config, or an object with "model" and/or "process" (which is what a
// checkpoint's config.json holds; its format, step, dtype and checksum are
// ignored, so an existing checkpoint can serve as a template). Fields absent
// from the file keep the preset's values; unknown fields are errors, so a
// misspelt setting is not silently dropped.
func applyConfigFile(path string, cfg *ckpt.Config) error {
	b, err := userfile.Read(path, userfile.Config)
	if err != nil {
		return err
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(b, &keys); err != nil {
		return fmt.Errorf("%s: not a JSON object: %v", path, err)
	}
	_, hasModel := keys["model"]
	_, hasProcess := keys["process"]
	strict := func(raw []byte, v any) error {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		return dec.Decode(v)
	}
	if !hasModel && !hasProcess {
		if err := strict(b, &cfg.Model); err != nil {
			return fmt.Errorf("%s: %v", path, err)
		}
		return nil
	}
	var whole struct {
		Model   *json.RawMessage `json:"model"`
		Process *json.RawMessage `json:"process"`
		Format  json.RawMessage  `json:"format"`
		Step    json.RawMessage  `json:"step"`
		DType   json.RawMessage  `json:"dtype"`
		SHA     json.RawMessage  `json:"weights_sha256"`
	}
	if err := strict(b, &whole); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	if whole.Model != nil {
		if err := strict(*whole.Model, &cfg.Model); err != nil {
			return fmt.Errorf("%s: model: %v", path, err)
		}
	}
	if whole.Process != nil {
		if err := strict(*whole.Process, &cfg.Process); err != nil {
			return fmt.Errorf("%s: process: %v", path, err)
		}
	}
	return nil
}

// configLabel names where init's config came from, for its errors.
func configLabel(preset, path string) string {
	if path != "" {
		return path
	}
	return "preset " + preset
}

// refuseNonEmpty protects an existing folder's content unless --force.
func refuseNonEmpty(dir string, force bool) error {
	st, err := os.Stat(dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return fmt.Errorf("%s exists and is not a folder", dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	if len(entries) > 0 && !force {
		return fmt.Errorf("%s is not empty (holds %s); pass --force to write the checkpoint into it", dir, entries[0].Name())
	}
	return nil
}
