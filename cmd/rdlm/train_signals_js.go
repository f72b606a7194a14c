//go:build js || wasip1

package main

import "os"

// interruptSignals: the browser has no SIGTERM.
var interruptSignals = []os.Signal{os.Interrupt}
