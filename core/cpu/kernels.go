package cpu

import (
	"fmt"
	"os"
	"strings"
	"sync/atomic"
)

// kernelSet is one implementation of the hot loop: the sgemm microkernel
// with its tile shape. The packing and blocking code is shared; only this
// differs between "go", "avx2" and "avx512".
type kernelSet struct {
	name   string
	mr, nr int // microkernel tile: mr rows of A times nr columns of B

	// micro computes the mr x nr tile c (row stride ldc) (+)= a b over kc
	// steps, from an A micro-panel (kc groups of mr) and a B micro-panel
	// (kc groups of nr). Both panels are zero-padded to full tiles.
	micro func(kc int, a, b, c []float32, ldc int, accumulate bool)
}

// kernelSets lists the implementations this CPU can run, slowest first; the
// last is the default. The amd64 build appends its assembly sets in init.
var kernelSets = []*kernelSet{goKernels}

var goKernels = &kernelSet{name: "go", mr: goMR, nr: goNR, micro: microGo}

// active is the kernel set in use. It is switched only by SetKernels (and the
// RDLM_KERNELS variable at start-up), never while products are running.
var active atomic.Pointer[kernelSet]

// kernelsEnv names the environment variable that forces a kernel set.
const kernelsEnv = "RDLM_KERNELS"

func init() {
	registerArchKernels()
	ks, err := kernelsFromEnv(os.Getenv(kernelsEnv))
	if err != nil {
		// A forced path this CPU cannot run is a configuration error the user
		// must see; running silently on another path would make every
		// benchmark and comparison lie.
		panic("cpu: " + kernelsEnv + ": " + err.Error())
	}
	active.Store(ks)
}

// kernelsFromEnv picks the kernel set named by RDLM_KERNELS's value, or the
// fastest available one when it is empty.
func kernelsFromEnv(value string) (*kernelSet, error) {
	value = strings.TrimSpace(value)
	if value == "" {
		return kernelSets[len(kernelSets)-1], nil
	}
	return lookupKernels(value)
}

func lookupKernels(name string) (*kernelSet, error) {
	for _, k := range kernelSets {
		if k.name == name {
			return k, nil
		}
	}
	return nil, fmt.Errorf("kernels %q not available on this CPU (have %s)", name, strings.Join(AvailableKernels(), ", "))
}

// KernelName says which microkernels this process uses: "avx512", "avx2" or "go".
func KernelName() string { return active.Load().name }

// AvailableKernels lists the kernel sets this CPU can run, slowest first.
func AvailableKernels() []string {
	names := make([]string, len(kernelSets))
	for i, k := range kernelSets {
		names[i] = k.name
	}
	return names
}

// SetKernels switches to the named kernel set ("go", "avx2", "avx512") and
// returns the previous name, so tests and benchmarks can compare paths. It
// must not be called while products are running in other goroutines.
func SetKernels(name string) (previous string, err error) {
	k, err := lookupKernels(name)
	if err != nil {
		return KernelName(), err
	}
	return active.Swap(k).name, nil
}
