package ckpt

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/safetensors"
)

// ParseConfig decodes and validates the bytes of a config.json with the same
// rules as ReadConfig (unknown fields are errors). The browser calls it
// before downloading the weights, to refuse a model that cannot run early.
func ParseConfig(b []byte) (Config, error) {
	var cfg Config
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return cfg, fmt.Errorf("%s: not a valid checkpoint config: %v", ConfigFile, err)
	}
	if dec.More() {
		return cfg, fmt.Errorf("%s: trailing data after the JSON object", ConfigFile)
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("%s: %v", ConfigFile, err)
	}
	return cfg, nil
}

// FromBytes is Load for a checkpoint held in memory (a download or a
// dropped file in the browser): the same checks in the same order, with the
// errors naming the file at fault rather than a path.
func FromBytes(configJSON, weights []byte) (*Checkpoint, error) {
	cfg, err := ParseConfig(configJSON)
	if err != nil {
		return nil, err
	}
	f, err := safetensors.Read(weights)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", WeightsFile, err)
	}
	params := model.NewParams[float32](cfg.Model)
	if err := decodeParams(cfg.Model, f, params); err != nil {
		return nil, fmt.Errorf("%s: %v", WeightsFile, err)
	}
	sum := sha256.Sum256(weights)
	if got := hex.EncodeToString(sum[:]); got != cfg.WeightsSHA256 {
		return nil, fmt.Errorf("%s: sha256 %s does not match %s (weights_sha256 %s): the file is damaged or belongs to another config",
			WeightsFile, got, ConfigFile, cfg.WeightsSHA256)
	}
	return &Checkpoint{Config: cfg, Params: params}, nil
}
