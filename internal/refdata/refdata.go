// Package refdata locates the shared data folder (../shared/data beside the
// repository: reference tensors made by the reference implementation, corpora)
// for tests and tools. RDLM_SHARED overrides the location.
package refdata

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// Dir returns the shared data folder, or an error saying where it looked.
func Dir() (string, error) {
	if d := os.Getenv("RDLM_SHARED"); d != "" {
		return filepath.Join(d, "data"), nil
	}
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", fmt.Errorf("refdata: cannot locate the source tree; set RDLM_SHARED")
	}
	root := filepath.Join(filepath.Dir(file), "..", "..") // internal/refdata -> repository root
	d := filepath.Join(root, "..", "shared", "data")
	if _, err := os.Stat(d); err != nil {
		return "", fmt.Errorf("refdata: shared data not found at %s (set RDLM_SHARED to the folder holding data/): %v", d, err)
	}
	return d, nil
}

// Path returns the path of a file under the shared data folder.
func Path(rel string) (string, error) {
	d, err := Dir()
	if err != nil {
		return "", err
	}
	p := filepath.Join(d, rel)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("refdata: %v", err)
	}
	return p, nil
}
