package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/rdlm-go/rdlm/core/ckpt"
)

func init() {
	register(&command{
		name:    "export",
		summary: "copy a model's weights into a new checkpoint folder, optionally as f16 (for shipping)",
		usage:   "--model DIR|NAME --out DIR [--f16] [--force]",
		run:     runExport,
	})
}

func runExport(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	modelName := fs.String("model", "", modelFlagHelp)
	out := fs.String("out", "", "folder to write config.json and model.safetensors into")
	f16 := fs.Bool("f16", false, "store the weights as float16 (half the size)")
	force := fs.Bool("force", false, "replace the checkpoint files in a non-empty --out")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usagef("--out DIR is required")
	}
	if entries, err := os.ReadDir(*out); err == nil && len(entries) > 0 && !*force {
		return fmt.Errorf("%s is not empty (use --force to replace its checkpoint files)", *out)
	}
	c, label, err := loadModel(*modelName)
	if err != nil {
		return err
	}
	c.Config.DType = ckpt.DTypeF32
	if *f16 {
		c.Config.DType = ckpt.DTypeF16
	}
	if err := ckpt.Save(*out, c); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "exported %s (step %d, %d parameters, %s) to %s\n", label, c.Config.Step, c.Config.Model.NumParams(), c.Config.DType, *out)
	return err
}
