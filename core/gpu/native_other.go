//go:build !js && !linux && !darwin && !freebsd

package gpu

import "fmt"

// Open reports that this platform has no native WebGPU driver yet.
func Open(opts Options) (Driver, error) {
	return nil, fmt.Errorf("%w: the native driver supports Linux, macOS and FreeBSD; use --backend cpu", ErrUnavailable)
}
