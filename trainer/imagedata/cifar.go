package imagedata

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"

	"github.com/rdlm-go/rdlm/core/atomicfile"
	"github.com/rdlm-go/rdlm/core/pixels"
	"github.com/rdlm-go/rdlm/internal/userfile"
)

// The CIFAR-10 binary version: six files of 10,000 records, each record a
// label byte and a 32x32 colour image stored plane by plane (1024 red, 1024
// green, 1024 blue values, each plane row-major).
const (
	CIFAR10URL        = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
	cifarArchiveName  = "cifar-10-binary.tar.gz"
	cifarArchiveSize  = 170_052_171
	cifarArchiveSHA   = "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd" // md5 c32a1d4ab5d03f1284b67883e8d87530
	cifarFolder       = "cifar-10-batches-bin"
	cifarSide         = 32
	cifarPlane        = cifarSide * cifarSide
	cifarRecord       = 1 + 3*cifarPlane // 3073 bytes
	cifarBatchRecords = 10_000
)

var (
	cifarImage      = pixels.Image{Height: cifarSide, Width: cifarSide, Channels: 3}
	cifarTrainFiles = []string{"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"}
	cifarTestFile   = "test_batch.bin"
)

// ParseCIFARBatch reads records in the CIFAR-10 binary format and returns
// them with the channels interleaved (R, G, B per pixel). A length that is
// not a whole number of 3073-byte records is an error: the file was cut.
func ParseCIFARBatch(name string, b []byte) (*Images, error) {
	if len(b) == 0 || len(b)%cifarRecord != 0 {
		return nil, fmt.Errorf("cifar-10: %s: %d bytes is not a whole number of %d-byte records (truncated or not a CIFAR-10 binary batch)", name, len(b), cifarRecord)
	}
	n := len(b) / cifarRecord
	im := &Images{Image: cifarImage,
		Pix: make([]uint8, n*3*cifarPlane), Labels: make([]uint8, n)}
	for i := 0; i < n; i++ {
		rec := b[i*cifarRecord : (i+1)*cifarRecord]
		if rec[0] > 9 {
			return nil, fmt.Errorf("cifar-10: %s: record %d has label %d, CIFAR-10 has classes 0..9", name, i, rec[0])
		}
		im.Labels[i] = rec[0]
		dst := im.Pix[i*3*cifarPlane : (i+1)*3*cifarPlane]
		for p := 0; p < cifarPlane; p++ {
			dst[3*p] = rec[1+p]
			dst[3*p+1] = rec[1+cifarPlane+p]
			dst[3*p+2] = rec[1+2*cifarPlane+p]
		}
	}
	return im, nil
}

// ReadCIFARBatchFile reads one binary batch file (any number of records).
func ReadCIFARBatchFile(path string) (*Images, error) {
	b, err := userfile.Read(path, userfile.Archive)
	if err != nil {
		return nil, fmt.Errorf("cifar-10: %v", err)
	}
	return ParseCIFARBatch(path, b)
}

// LoadCIFAR10 reads the 50,000 training and 10,000 test images from path:
// the canonical archive cifar-10-binary.tar.gz (its size and sha256 are
// checked) or the folder cifar-10-batches-bin unpacked from it (each of its
// six files must hold exactly 10,000 records).
func LoadCIFAR10(p string) (train, test *Images, err error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, nil, fmt.Errorf("cifar-10: %v", err)
	}
	files := map[string][]byte{}
	if st.IsDir() {
		for _, name := range append(append([]string(nil), cifarTrainFiles...), cifarTestFile) {
			b, err := userfile.Read(filepath.Join(p, name), userfile.Archive)
			if errors.Is(err, fs.ErrNotExist) {
				return nil, nil, fmt.Errorf("cifar-10: %s is missing from %s (the folder must hold the six binary batches)", name, p)
			} else if err != nil {
				return nil, nil, fmt.Errorf("cifar-10: %v", err)
			}
			files[name] = b
		}
	} else {
		z, err := userfile.Read(p, userfile.Archive)
		if err != nil {
			return nil, nil, fmt.Errorf("cifar-10: %v", err)
		}
		if files, err = unpackCIFARArchive(p, z); err != nil {
			return nil, nil, err
		}
	}
	return cifarSets(p, files)
}

// cifarSets parses the six batches and joins the five training ones.
func cifarSets(source string, files map[string][]byte) (train, test *Images, err error) {
	parse := func(name string) (*Images, error) {
		b := files[name]
		if len(b) != cifarBatchRecords*cifarRecord {
			return nil, fmt.Errorf("cifar-10: %s in %s: %d bytes, a batch is %d records of %d bytes (%d): truncated?",
				name, source, len(b), cifarBatchRecords, cifarRecord, cifarBatchRecords*cifarRecord)
		}
		return ParseCIFARBatch(name, b)
	}
	train = &Images{Image: cifarImage}
	for _, name := range cifarTrainFiles {
		im, err := parse(name)
		if err != nil {
			return nil, nil, err
		}
		train.Pix = append(train.Pix, im.Pix...)
		train.Labels = append(train.Labels, im.Labels...)
	}
	if test, err = parse(cifarTestFile); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

// unpackCIFARArchive verifies the canonical archive and returns the six
// batch files by base name. Other members are ignored; nothing is written
// to disk, so no member path can escape anywhere.
func unpackCIFARArchive(name string, z []byte) (map[string][]byte, error) {
	if len(z) != cifarArchiveSize {
		return nil, fmt.Errorf("cifar-10: %s: %d bytes, the archive has %d (truncated download?)", name, len(z), cifarArchiveSize)
	}
	if err := checkSHA256(name, z, cifarArchiveSHA); err != nil {
		return nil, fmt.Errorf("cifar-10: %v", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		return nil, fmt.Errorf("cifar-10: %s: %v", name, err)
	}
	tr := tar.NewReader(zr)
	files := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("cifar-10: %s: %v", name, err)
		}
		if h.Typeflag != tar.TypeReg || path.Dir(h.Name) != cifarFolder {
			continue
		}
		b, err := io.ReadAll(io.LimitReader(tr, cifarBatchRecords*cifarRecord+1))
		if err != nil {
			return nil, fmt.Errorf("cifar-10: %s: %s: %v", name, h.Name, err)
		}
		files[path.Base(h.Name)] = b
	}
	return files, nil
}

// CachedCIFAR10 loads CIFAR-10 from cacheDir/cifar-10-binary.tar.gz,
// downloading it from url (CIFAR10URL when empty) first when it is not
// there. The download is verified before it is cached, atomically.
func CachedCIFAR10(cacheDir, url string, client *http.Client) (train, test *Images, err error) {
	p := filepath.Join(cacheDir, cifarArchiveName)
	if _, err := os.Stat(p); err == nil {
		return LoadCIFAR10(p)
	}
	if url == "" {
		url = CIFAR10URL
	}
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Get(url)
	if err != nil {
		return nil, nil, fmt.Errorf("cifar-10: %v (or give the path of a local %s or %s folder)", err, cifarArchiveName, cifarFolder)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("cifar-10: GET %s: %s", url, resp.Status)
	}
	z, err := io.ReadAll(io.LimitReader(resp.Body, cifarArchiveSize+1))
	if err != nil {
		return nil, nil, fmt.Errorf("cifar-10: GET %s: %v", url, err)
	}
	files, err := unpackCIFARArchive(url, z)
	if err != nil {
		return nil, nil, fmt.Errorf("downloaded archive is not valid, nothing was cached: %w", err)
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return nil, nil, err
	}
	if err := atomicfile.WriteBytes(p, z); err != nil {
		return nil, nil, fmt.Errorf("cifar-10: caching: %v", err)
	}
	return cifarSets(p, files)
}
