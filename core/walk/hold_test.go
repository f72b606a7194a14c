package walk

import (
	"testing"

	"github.com/rdlm-go/rdlm/core/text"
	"github.com/stretchr/testify/require"
)

func TestPrompt(t *testing.T) {
	hold, err := Prompt([]int{1, 2}, 4)
	require.NoError(t, err)
	require.Equal(t, []int{1, 2, Free, Free}, hold)
	hold, err = Prompt(nil, 2)
	require.NoError(t, err)
	require.Equal(t, []int{Free, Free}, hold)
	_, err = Prompt([]int{1, 2, 3}, 2)
	require.ErrorContains(t, err, "prompt of 3 tokens does not fit in a length of 2")
}

func TestTemplate(t *testing.T) {
	v := text.Text8()
	hold, err := Template(v, "ab__ c_")
	require.NoError(t, err)
	require.Equal(t, []int{0, 1, Free, Free, 26, 2, Free}, hold)
	hold, err = Template(v, "___")
	require.NoError(t, err)
	require.Equal(t, []int{Free, Free, Free}, hold)
	_, err = Template(v, "ab_C")
	require.ErrorContains(t, err, `character 'C'`)
	_, err = Template(v, "")
	require.ErrorContains(t, err, "empty template")
}

func TestNormalizeTemplateText8(t *testing.T) {
	require.Equal(t, "to be or ___ to be ", NormalizeTemplateText8("To be, or ___ to be!"))
	require.Equal(t, "_ one nine __", NormalizeTemplateText8("_ 19 __"))
	require.Equal(t, "___", NormalizeTemplateText8("___"))
	require.Equal(t, "a_b", NormalizeTemplateText8("A_B"))
}

func TestSetHoldRejectsBadPatterns(t *testing.T) {
	dst := make([]int, 3)
	require.ErrorContains(t, SetHold(dst, []int{1, 2}, 27), "2 positions, the walk 3")
	require.ErrorContains(t, SetHold(dst, []int{1, 27, Free}, 27), "position 1 holds token 27, outside 0..26")
	require.ErrorContains(t, SetHold(dst, []int{1, -2, Free}, 27), "position 1 holds token -2")
	require.NoError(t, SetHold(dst, []int{1, 26, Free}, 27))
	require.Equal(t, []int{1, 26, Free}, dst)
	require.NoError(t, SetHold(dst, nil, 27))
	require.Equal(t, []int{Free, Free, Free}, dst)
}
