package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/rdlm-go/rdlm/core/builtin"
	"github.com/rdlm-go/rdlm/core/ckpt"
)

// modelFlagHelp is the help text of every --model flag.
var modelFlagHelp = fmt.Sprintf("a checkpoint folder, or the name of a built-in model (%s; default %s)", strings.Join(builtin.Names(), ", "), builtin.Default)

// loadModel resolves --model: empty means the built-in default; a built-in
// model's name wins over a folder of the same name (write ./NAME for the
// folder); anything else must be a checkpoint folder. It returns the
// checkpoint and a label for messages and traces.
func loadModel(name string) (*ckpt.Checkpoint, string, error) {
	if name == "" {
		name = builtin.Default
	}
	if builtin.Has(name) {
		c, err := builtin.Load(name)
		return c, name, err
	}
	st, err := os.Stat(name)
	if os.IsNotExist(err) {
		return nil, "", fmt.Errorf("model %q: no such checkpoint folder, and no built-in model of that name (built-in: %s)", name, strings.Join(builtin.Names(), ", "))
	}
	if err != nil {
		return nil, "", fmt.Errorf("model %q: %v", name, err)
	}
	if !st.IsDir() {
		return nil, "", fmt.Errorf("model %q is not a folder (a checkpoint is a folder holding %s and %s)", name, ckpt.ConfigFile, ckpt.WeightsFile)
	}
	c, err := ckpt.Load(name)
	return c, name, err
}
