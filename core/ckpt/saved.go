package ckpt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/rdlm-go/rdlm/core/safetensors"
	"github.com/rdlm-go/rdlm/internal/jsondiff"
)

// SavedConfigKey is the metadata entry of model.safetensors that holds the
// config the weights were saved with (weights_sha256 left empty: it cannot
// cover itself). The weights' checksum covers it, so together they make
// every field of config.json checked, not only those the tensor shapes
// imply: an edited length, number of heads or process setting is an error
// naming the field, where it would otherwise silently change the model (or
// make it ask for memory the weights never implied). Weights written before
// the entry existed (the built-in models among them) have no such entry and
// are checked against their shapes only.
const SavedConfigKey = "rdlm.config"

// savedConfigMetadata is the metadata Save writes with the weights.
func savedConfigMetadata(cfg Config) (map[string]string, error) {
	cfg.WeightsSHA256 = ""
	b, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	return map[string]string{SavedConfigKey: string(b)}, nil
}

// checkSavedConfig compares cfg with the config recorded in f, when there
// is one.
func checkSavedConfig(cfg Config, f *safetensors.File) error {
	raw, ok := f.Metadata[SavedConfigKey]
	if !ok {
		return nil
	}
	var saved Config
	dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&saved); err != nil {
		return fmt.Errorf("metadata %q is not a checkpoint config: %v", SavedConfigKey, err)
	}
	saved.WeightsSHA256 = cfg.WeightsSHA256
	if reflect.DeepEqual(saved, cfg) {
		return nil
	}
	diffs := configDiffs(cfg, saved)
	return fmt.Errorf("%s differs from the config these weights were saved with: %s (edited after saving? restore it, or export the model anew)",
		ConfigFile, diffs)
}

// configDiffs lists the fields where a and b differ, as
// "model.length 4096 (saved 128)", at most four of them.
func configDiffs(a, b Config) string {
	var out []string
	for _, d := range jsondiff.Fields(a, b) {
		out = append(out, fmt.Sprintf("%s %s (saved %s)", d.Path, d.A, d.B))
	}
	if len(out) == 0 { // equal as JSON yet not as values: cannot happen, but say so
		return "a field not visible in JSON"
	}
	if len(out) > 4 {
		out = append(out[:4], fmt.Sprintf("and %d more", len(out)-4))
	}
	return strings.Join(out, ", ")
}
