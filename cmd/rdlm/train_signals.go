//go:build !js && !wasip1

package main

import (
	"os"
	"syscall"
)

// interruptSignals stop a training run cleanly (save, then exit).
var interruptSignals = []os.Signal{os.Interrupt, syscall.SIGTERM}
