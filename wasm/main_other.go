//go:build !js

// Command wasm is the engine the web page runs: built with GOOS=js
// GOARCH=wasm, it gives the page's Web Worker a small JavaScript API over
// the core (see main_js.go). Natively it only says so; its logic is plain Go
// and tested natively.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "this program runs in the browser: build it with GOOS=js GOARCH=wasm (site/build.sh does)")
	os.Exit(2)
}
