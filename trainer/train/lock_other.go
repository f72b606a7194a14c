//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package train

import "os"

// tryLock: without flock (Windows, js/wasm, ...) the folder is not locked.
// The file still records the last holder; a lock file without an exclusive
// lock would outlive a killed holder and block the folder forever, which is
// worse than the race it guards against.
func tryLock(f *os.File) (held bool, err error) { return true, nil }

func unlock(f *os.File) {}
