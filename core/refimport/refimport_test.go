package refimport

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rdlm-go/rdlm/core/ckpt"
	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/safetensors"
	"github.com/rdlm-go/rdlm/core/tables"
	"github.com/rdlm-go/rdlm/core/torchckpt"
)

// The fixtures are written by ../torchckpt/testdata/make_fixtures.py.
const testdata = "../torchckpt/testdata"

func open(t *testing.T, name string) *torchckpt.File {
	t.Helper()
	fh, err := os.Open(filepath.Join(testdata, name))
	require.NoError(t, err)
	t.Cleanup(func() { fh.Close() })
	st, err := fh.Stat()
	require.NoError(t, err)
	f, err := torchckpt.Open(fh, st.Size())
	require.NoError(t, err)
	return f
}

func tensor(t *testing.T, f *safetensors.File, name string) ([]float32, []int) {
	t.Helper()
	x, err := f.Get(name)
	require.NoError(t, err)
	v, err := x.Float32()
	require.NoError(t, err)
	return v, x.Shape
}

// checkLogits runs our forward pass on the converted weights and compares
// with the logits PyTorch computed in float64 on the EMA weights. Our pass
// is float32: the tolerance is float32 rounding through a few layers,
// 2e-5 of the largest logit.
func checkLogits(t *testing.T, c *ckpt.Checkpoint, name string) float64 {
	st, err := safetensors.ReadFile(filepath.Join(testdata, name+"_logits.safetensors"))
	require.NoError(t, err)
	x, xs := tensor(t, st, "x")
	tt, _ := tensor(t, st, "t")
	want, _ := tensor(t, st, "logits")
	B, L := xs[0], xs[1]
	net, err := model.NewInference(c.Params, B, L)
	require.NoError(t, err)
	got := make([]float32, len(want))
	require.NoError(t, net.Forward(got, x, tt))
	scale, worst := 0.0, 0.0
	for i := range want {
		scale = math.Max(scale, math.Abs(float64(want[i])))
		worst = math.Max(worst, math.Abs(float64(got[i]-want[i])))
	}
	require.Greater(t, scale, 0.5, "the fixture's logits are not trivially small")
	require.LessOrEqual(t, worst, 2e-5*scale, "max |ours - torch| = %g, largest logit %g", worst, scale)
	return worst / scale
}

func TestText8FixtureMatchesTorchLogits(t *testing.T) {
	c, rep, err := Convert(open(t, "text8_tiny.pth"), Options{})
	require.NoError(t, err)
	require.Equal(t, model.Config{Vocab: 27, Length: 8, Hidden: 32, Heads: 4, Blocks: 2, Cond: 16}, c.Config.Model)
	p := c.Config.Process
	require.Equal(t, 0.35, p.StepThr)
	require.Equal(t, 1.0, p.RhoScale)
	require.Equal(t, tables.Reference, p.RhoFormula)
	require.Equal(t, "text8", p.Vocab)
	require.Equal(t, 256, p.SampleSteps)
	require.Equal(t, "geometric", p.Schedule)
	require.Equal(t, 1e-3, p.Beta0)
	require.Equal(t, 0.2, p.Beta1)
	require.Nil(t, p.Split)
	require.Equal(t, int64(4242), c.Config.Step)
	require.Equal(t, [2]float64{0.3, 0.6}, c.Config.Training.Window)
	require.Equal(t, "ema", rep.Weights)
	require.Equal(t, "", rep.Prefix)
	require.Equal(t, []string{"optimizer"}, rep.Ignored)
	rel := checkLogits(t, c, "text8_tiny")
	t.Logf("text8 fixture: max relative logit error %.2g", rel)
}

// The LM1B-style fixture: saved after torch.compile (every key prefixed
// "_orig_mod."), base-3 digits of a 30522-word vocabulary, rho_scale 1.14.
func TestLM1BFixtureSplitsAndMatchesTorchLogits(t *testing.T) {
	c, rep, err := Convert(open(t, "lm1b_tiny.pth"), Options{})
	require.NoError(t, err)
	require.Equal(t, "_orig_mod.", rep.Prefix)
	require.Equal(t, model.Config{Vocab: 3, Length: 20, Hidden: 32, Heads: 2, Blocks: 1, Cond: 16}, c.Config.Model)
	p := c.Config.Process
	require.Equal(t, &ckpt.Split{Vocab: 30522, Base: 3, Digits: 10}, p.Split)
	require.Equal(t, ckpt.TokenizerBERT, p.Tokenizer)
	require.Equal(t, "lm1b", p.Vocab)
	require.Equal(t, 0.38, p.StepThr)
	require.Equal(t, 1.14, p.RhoScale)
	require.Equal(t, 1000, p.SampleSteps)
	rel := checkLogits(t, c, "lm1b_tiny")
	t.Logf("lm1b fixture: max relative logit error %.2g", rel)

	// The converted checkpoint saves and loads as any other.
	dir := t.TempDir()
	require.NoError(t, ckpt.Save(dir, c))
	back, err := ckpt.Load(dir)
	require.NoError(t, err)
	require.Equal(t, c.Config.Process, back.Config.Process)
	require.Equal(t, c.Params.Flat, back.Params.Flat)
}

// The EMA weights are what gets converted: the raw model weights, which
// the fixture makes differ, give other logits.
func TestEMAIsTheDefaultAndModelWeightsDiffer(t *testing.T) {
	ema, _, err := Convert(open(t, "text8_tiny.pth"), Options{})
	require.NoError(t, err)
	raw, rep, err := Convert(open(t, "text8_tiny.pth"), Options{Weights: "model"})
	require.NoError(t, err)
	require.Equal(t, "model", rep.Weights)
	require.NotEqual(t, ema.Params.Flat, raw.Params.Flat)
	_, _, err = Convert(open(t, "text8_tiny.pth"), Options{Weights: "best"})
	require.ErrorContains(t, err, `weights must be "ema" or "model"`)
}

func TestSettingsComeFromTheConfigOrAnExplicitValue(t *testing.T) {
	bad := 0.0
	_, _, err := Convert(open(t, "text8_tiny.pth"), Options{StepThr: &bad})
	require.ErrorContains(t, err, "--step-thr 0 disagrees with the checkpoint's config sde.step_thr = 0.35")
	same := 0.35
	_, _, err = Convert(open(t, "text8_tiny.pth"), Options{StepThr: &same})
	require.NoError(t, err)

	_, _, err = Convert(open(t, "no_config.pth"), Options{})
	require.ErrorContains(t, err, "no 'config' entry")
}

// Edits of the plain config show that each setting is read, not defaulted.
func TestMissingOrForeignSettingsAreErrors(t *testing.T) {
	f := open(t, "text8_tiny.pth")
	root := f.Root.(*torchckpt.Dict)
	cfgv, _ := root.Get("config")
	plain, err := torchckpt.Plain(cfgv)
	require.NoError(t, err)
	m := plain.(map[string]any)
	sde := m["sde"].(map[string]any)
	replaceConfig := func(mut func()) error {
		mut()
		d := &torchckpt.Dict{}
		for i, k := range root.Keys {
			v := root.Values[i]
			if k == "config" {
				v = toDict(m)
			}
			d.Keys, d.Values = append(d.Keys, k), append(d.Values, v)
		}
		_, _, err := Convert(&torchckpt.File{Root: d}, Options{})
		return err
	}
	delete(sde, "step_thr")
	require.ErrorContains(t, replaceConfig(func() {}), "config sde.step_thr: missing: the checkpoint does not record it; give it with --step-thr")
	sde["step_thr"] = 0.35
	require.ErrorContains(t, replaceConfig(func() { sde["_target_"] = "sde.LogBridge_Init" }), "only the mixture path")
	sde["_target_"] = "sde.LogBridge_Mixture"
	require.ErrorContains(t, replaceConfig(func() { m["model"].(map[string]any)["n_heads"] = int64(2) }), "n_heads 2 disagrees with rotary_emb.inv_freq")
}

// toDict turns a plain config back into pickle-shaped dicts for edits.
func toDict(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	d := &torchckpt.Dict{}
	for k, x := range m {
		d.Keys, d.Values = append(d.Keys, k), append(d.Values, toDict(x))
	}
	return d
}
