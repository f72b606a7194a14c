package builtin

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rdlm-go/rdlm/core/ckpt"
)

// Every shipped model decodes and validates, is trained, is stored as f16
// and stays small enough to live in the repository and the binary.
func TestShippedModels(t *testing.T) {
	require.Equal(t, []string{"mnist", "shakespeare", "shakespeare-ar"}, Names())
	for _, name := range Names() {
		c, err := Load(name)
		require.NoError(t, err, name)
		require.Equal(t, ckpt.DTypeF16, c.Config.DType, name)
		require.Greater(t, c.Config.Step, int64(1000), "%s is trained", name)
		_, weights, err := Files(name)
		require.NoError(t, err)
		require.Less(t, len(weights), 10<<20, "%s stays under 10 MB", name)
	}
}

// The image model draws 14x14 grey digits; the text model draws text.
func TestModelKinds(t *testing.T) {
	m, err := Load("mnist")
	require.NoError(t, err)
	im := m.Config.Process.Image
	require.NotNil(t, im, "mnist is an image model")
	require.Equal(t, [3]int{14, 14, 1}, [3]int{im.Height, im.Width, im.Channels})
	s, err := Load(Default)
	require.NoError(t, err)
	require.Nil(t, s.Config.Process.Image, "the default model generates text")
	ar, err := Load("shakespeare-ar")
	require.NoError(t, err)
	require.True(t, ar.Config.Process.IsAR() && ar.Config.Model.Causal, "shakespeare-ar is the autoregressive judge")
	require.Equal(t, s.Config.Model.Hidden, ar.Config.Model.Hidden, "the judge is the same size as the default model")
	require.Equal(t, s.Config.Model.Blocks, ar.Config.Model.Blocks)
}

func TestUnknownModel(t *testing.T) {
	require.False(t, Has("no-such-model"))
	_, err := Load("no-such-model")
	require.ErrorContains(t, err, `no built-in model "no-such-model" (built-in: [mnist shakespeare shakespeare-ar])`)
}
