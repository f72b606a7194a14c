package main

import (
	"flag"
	"fmt"
	"io"
	"runtime"

	"github.com/rdlm-go/rdlm/core/cpu"
)

func init() {
	register(&command{
		name:    "version",
		summary: "print the build and the CPU kernels in use",
		usage:   "[--json]",
		run:     runVersion,
	})
}

func runVersion(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	asJSON := fs.Bool("json", false, "print one JSON line")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	info := map[string]any{"go": runtime.Version(), "os": runtime.GOOS, "arch": runtime.GOARCH, "kernels": cpu.KernelName(), "threads": cpu.Threads()}
	if *asJSON {
		return writeJSON(stdout, info)
	}
	_, err := fmt.Fprintf(stdout, "rdlm (%s %s/%s), CPU kernels: %s, %d threads\n", info["go"], info["os"], info["arch"], info["kernels"], info["threads"])
	return err
}
