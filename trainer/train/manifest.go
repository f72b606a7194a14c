package train

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"sort"

	"github.com/rdlm-go/rdlm/core/atomicfile"
	"github.com/rdlm-go/rdlm/core/ckpt"
	"github.com/rdlm-go/rdlm/internal/userfile"
	"github.com/rdlm-go/rdlm/trainer/optim"
)

// ManifestFile, written last into a checkpoint folder, holds the sha256 of
// every other file in it. The model's two files check each other
// (weights_sha256), but the optimiser state (raw weights, Adam moments,
// EMA) and trainer.json (the data position, the settings) carry no checksum
// of their own: one flipped bit would resume into a different run without a
// word. Resuming verifies them all first, and an error names the file.
const ManifestFile = "manifest.json"

const manifestFormat = "rdlm-ckpt-manifest-1"

// manifestFiles are the files a manifest covers, in the order written.
var manifestFiles = []string{ckpt.WeightsFile, ckpt.ConfigFile, optim.StateFile, StateFile}

type manifest struct {
	Format string            `json:"format"`
	SHA256 map[string]string `json:"sha256"` // file name -> lowercase hex digest
}

// errNoManifest is returned (wrapped) for a checkpoint written before
// manifests existed: it can be resumed, unverified, with a warning.
var errNoManifest = errors.New("no " + ManifestFile)

// fileSHA256 hashes a file as it is on disk, streaming (the optimiser state
// of a large model is gigabytes).
func fileSHA256(path string) (string, error) {
	f, _, err := userfile.Open(path, userfile.Tensors)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("%s: %v", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// writeManifest hashes the files of dir, read back from disk so that the
// manifest vouches for what was written, and writes the manifest.
func writeManifest(dir string) error {
	m := manifest{Format: manifestFormat, SHA256: map[string]string{}}
	for _, name := range manifestFiles {
		sum, err := fileSHA256(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		m.SHA256[name] = sum
	}
	js, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(filepath.Join(dir, ManifestFile), append(js, '\n'))
}

// verifyManifest checks every file of dir against its manifest, naming the
// first that differs or is missing. A folder without a manifest returns an
// error wrapping errNoManifest.
func verifyManifest(dir string) error {
	path := filepath.Join(dir, ManifestFile)
	b, err := userfile.Read(path, userfile.State)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: %w", dir, errNoManifest)
	}
	if err != nil {
		return err
	}
	var m manifest
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return fmt.Errorf("%s: not a checkpoint manifest: %v", path, err)
	}
	if m.Format != manifestFormat {
		return fmt.Errorf("%s: format %q, this build reads %q", path, m.Format, manifestFormat)
	}
	names := make([]string, 0, len(m.SHA256))
	for name := range m.SHA256 {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, want := range manifestFiles {
		if _, ok := m.SHA256[want]; !ok {
			return fmt.Errorf("%s: lists no %s", path, want)
		}
	}
	for _, name := range names {
		if filepath.Base(name) != name { // a manifest names files of its own folder only
			return fmt.Errorf("%s: lists %q, not a file of the checkpoint", path, name)
		}
		file := filepath.Join(dir, name)
		got, err := fileSHA256(file)
		if err != nil {
			return fmt.Errorf("checkpoint file %v", err)
		}
		if got != m.SHA256[name] {
			return fmt.Errorf("%s: sha256 %s does not match %s (%s): the file is damaged; resuming from it would continue a different run",
				file, got, ManifestFile, m.SHA256[name])
		}
	}
	return nil
}
