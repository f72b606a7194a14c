package refimport

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/torchckpt"
)

// The reference named its network model.ddit.DDit before renaming the file
// to model/dit.py (model.dit.DiT): a run config may carry either.
func TestBothNamesOfTheReferenceNetworkConvert(t *testing.T) {
	text8, err := model.Preset("text8")
	require.NoError(t, err)
	for _, target := range []string{"model.dit.DiT", "model.ddit.DDit"} {
		cfg := refConfig(27, 27, 256, 12, "text8")
		cfg.Root["model"].(map[string]any)["_target_"] = target
		mc, _, err := architecture(refState(text8), cfg)
		require.NoError(t, err, target)
		require.Equal(t, text8, mc)
	}
	for _, target := range []string{"model.transformer.GPT", "model.other.DiT", "DDit", strings.Repeat("x", 1<<20)} {
		cfg := refConfig(27, 27, 256, 12, "text8")
		cfg.Root["model"].(map[string]any)["_target_"] = target
		_, _, err := architecture(refState(text8), cfg)
		require.ErrorContains(t, err, "only the reference DiT (model.dit.DiT, formerly model.ddit.DDit) converts", target)
		require.Less(t, len(err.Error()), 300)
	}
}

// A block index in a key once sized the model: blocks.999999999.x, with a
// config that agrees, made the converter list ten billion parameter specs.
func TestBlockIndexCannotSizeTheModel(t *testing.T) {
	text8, err := model.Preset("text8")
	require.NoError(t, err)
	st := append(refState(text8), namedTensor{"blocks.999999999.norm1.weight", &torchckpt.Tensor{Shape: []int{768}}})
	_, _, err = architecture(st, refConfig(27, 27, 256, 1_000_000_000, "text8"))
	require.ErrorContains(t, err, "block 999999999 of a state dict of")
	cfg := refConfig(27, 27, 1<<40, 12, "text8")
	_, _, err = architecture(refState(text8), cfg)
	require.ErrorContains(t, err, "config model.length is 1099511627776")
}

// Views that broadcast one storage over the weights describe a model the
// file does not hold: refused before the model is allocated.
func TestWeightsMustBeHeldByTheirStorages(t *testing.T) {
	f := open(t, "text8_tiny.pth")
	root := f.Root.(*torchckpt.Dict)
	ev, _ := root.Get("ema")
	shadow, _ := ev.(*torchckpt.Dict).Get("shadow_params")
	one := &torchckpt.Storage{DType: torchckpt.Float32, Key: "0", Numel: 1}
	for i, it := range shadow.(*torchckpt.List).Items {
		tt := it.(*torchckpt.Tensor)
		shadow.(*torchckpt.List).Items[i] = &torchckpt.Tensor{Storage: one, Shape: tt.Shape, Stride: make([]int, len(tt.Shape))}
	}
	_, _, err := Convert(f, Options{})
	require.ErrorContains(t, err, "parameters but their storages hold 1 elements")

	// The same check on a reference-sized model, without its weights.
	huge := model.Config{Vocab: 27, Length: 256, Hidden: 1 << 14, Heads: 64, Blocks: 48, Cond: 128}
	tensors := map[string]*torchckpt.Tensor{}
	for _, s := range huge.Specs() {
		tensors[s.Name] = &torchckpt.Tensor{Storage: one, Shape: s.Shape, Stride: make([]int, len(s.Shape))}
	}
	require.ErrorContains(t, backed(huge, tensors, "ema"), "the ema weights describe 155")
}

// numpyLR is np.float64(lr) as protocol 2 pickles it: numpy's scalar of a
// dtype('f8') with little-endian byte order and the value's bytes as a
// latin-1 string.
func numpyLR(lr float64) []byte {
	var raw [8]byte
	binary.LittleEndian.PutUint64(raw[:], math.Float64bits(lr))
	runes := make([]rune, 8)
	for i, c := range raw {
		runes[i] = rune(c)
	}
	uni := func(s string) string {
		var n [4]byte
		binary.LittleEndian.PutUint32(n[:], uint32(len(s)))
		return "X" + string(n[:]) + s
	}
	return []byte("cnumpy.core.multiarray\nscalar\n" +
		"cnumpy\ndtype\n" + uni("f8") + "\x89\x88\x87R" +
		"(K\x03" + uni("<") + "NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb" +
		"c_codecs\nencode\n" + uni(string(runes)) + uni("latin1") + "\x86R" +
		"\x86R")
}

// The reference's own checkpoints hold the optimiser's lr as a numpy
// float64: the fixture, with its lr turned into one, converts.
func TestCheckpointWithNumpyLearningRateConverts(t *testing.T) {
	good, err := os.ReadFile(filepath.Join(testdata, "text8_tiny.pth"))
	require.NoError(t, err)
	zr, err := zip.NewReader(bytes.NewReader(good), int64(len(good)))
	require.NoError(t, err)
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	patched := false
	for _, zf := range zr.File {
		rc, err := zf.Open()
		require.NoError(t, err)
		b, err := io.ReadAll(rc)
		require.NoError(t, err)
		if strings.HasSuffix(zf.Name, "/data.pkl") {
			// 'lr', its LONG_BINPUT, then BINFLOAT 0.001.
			i := bytes.Index(b, []byte("X\x02\x00\x00\x00lrr"))
			require.Positive(t, i)
			at := i + 8 + 4 // past 'lr' and the 4-byte memo index
			require.Equal(t, byte('G'), b[at])
			b = append(append(append([]byte{}, b[:at]...), numpyLR(1e-3*0.5)...), b[at+9:]...)
			patched = true
		}
		fw, err := w.CreateHeader(&zip.FileHeader{Name: zf.Name, Method: zip.Store})
		require.NoError(t, err)
		_, err = fw.Write(b)
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	require.True(t, patched)

	f, err := torchckpt.Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	require.NoError(t, err)
	opt, _ := f.Root.(*torchckpt.Dict).Get("optimizer")
	groups, _ := opt.(*torchckpt.Dict).Get("param_groups")
	lr, _ := groups.(*torchckpt.List).Items[0].(*torchckpt.Dict).Get("lr")
	require.Equal(t, 5e-4, lr)
	c, _, err := Convert(f, Options{})
	require.NoError(t, err)
	require.Equal(t, int64(4242), c.Config.Step)
}

// Values from the file reach messages bounded.
func TestMessagesAboutTheFileAreShort(t *testing.T) {
	long := strings.Repeat("k\n", 1<<19)
	for _, root := range []*torchckpt.Dict{
		dictOf(long, int64(1)),
		dictOf("model", dictOf(long, int64(1))),
		dictOf("model", &torchckpt.List{Items: make([]any, 1<<20)}),
	} {
		_, _, err := Convert(&torchckpt.File{Root: root}, Options{})
		require.Error(t, err)
		require.Less(t, len(err.Error()), 400, "%.400s", err)
		require.NotContains(t, err.Error(), "\n")
	}
	d := &torchckpt.Dict{}
	for i := 0; i < 1000; i++ {
		d.Keys, d.Values = append(d.Keys, strings.Repeat("x", i)), append(d.Values, nil)
	}
	_, _, err := Convert(&torchckpt.File{Root: d}, Options{})
	require.ErrorContains(t, err, "no 'model' entry")
	require.Less(t, len(err.Error()), 400)

	// A report lists a bounded number of the entries it ignores.
	f := open(t, "text8_tiny.pth")
	root := f.Root.(*torchckpt.Dict)
	for i := 0; i < 1000; i++ {
		root.Keys, root.Values = append(root.Keys, strings.Repeat("x", i)), append(root.Values, nil)
	}
	_, rep, err := Convert(f, Options{})
	require.NoError(t, err)
	require.Len(t, rep.Ignored, maxIgnored+1)
	require.Equal(t, "... (1005 entries in all)", rep.Ignored[maxIgnored])
}

func dictOf(kv ...any) *torchckpt.Dict {
	d := &torchckpt.Dict{}
	for i := 0; i < len(kv); i += 2 {
		d.Keys, d.Values = append(d.Keys, kv[i]), append(d.Values, kv[i+1])
	}
	return d
}
