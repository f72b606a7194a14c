package ckpt

import (
	"fmt"

	"github.com/rdlm-go/rdlm/internal/userfile"
)

// ParseConfig decodes and validates the bytes of a config.json with the same
// rules as ReadConfig (unknown fields are errors). The browser calls it
// before downloading the weights, to refuse a model that cannot run early.
func ParseConfig(b []byte) (Config, error) {
	if int64(len(b)) > userfile.Config.Bytes {
		return Config{}, fmt.Errorf("%s: %d bytes, and %s", ConfigFile, len(b), userfile.Config)
	}
	cfg, err := decodeConfig(b)
	if err != nil {
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
	c, err := fromWeights(cfg, weights)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", WeightsFile, err)
	}
	return c, nil
}
