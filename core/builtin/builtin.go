// Package builtin holds the models shipped inside the rdlm binary, so that
// `rdlm sample` and `rdlm eval` work on a fresh clone with no download.
//
// Each model is a checkpoint folder (config.json + model.safetensors, f16)
// embedded as files; `make train-default` retrains and re-exports the
// default one. The browser build does not import this package: the site
// downloads the same files instead.
package builtin

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"

	"github.com/rdlm-go/rdlm/core/ckpt"
)

// Default is the model used when a command is given none.
const Default = "shakespeare"

//go:embed shakespeare/config.json shakespeare/model.safetensors mnist/config.json mnist/model.safetensors shakespeare-ar/config.json shakespeare-ar/model.safetensors
var files embed.FS

// Names lists the built-in models.
func Names() []string {
	entries, _ := fs.ReadDir(files, ".")
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names
}

// Has reports whether name is a built-in model.
func Has(name string) bool {
	_, err := fs.Stat(files, path.Join(name, ckpt.ConfigFile))
	return err == nil
}

// Files returns the raw config.json and model.safetensors of a built-in model
// (for serving them to the browser, or copying them out).
func Files(name string) (config, weights []byte, err error) {
	if !Has(name) {
		return nil, nil, fmt.Errorf("no built-in model %q (built-in: %v)", name, Names())
	}
	if config, err = files.ReadFile(path.Join(name, ckpt.ConfigFile)); err != nil {
		return nil, nil, err
	}
	if weights, err = files.ReadFile(path.Join(name, ckpt.WeightsFile)); err != nil {
		return nil, nil, err
	}
	return config, weights, nil
}

// Load decodes and validates a built-in model.
func Load(name string) (*ckpt.Checkpoint, error) {
	config, weights, err := Files(name)
	if err != nil {
		return nil, err
	}
	c, err := ckpt.FromBytes(config, weights)
	if err != nil {
		return nil, fmt.Errorf("built-in model %q: %w", name, err)
	}
	return c, nil
}
