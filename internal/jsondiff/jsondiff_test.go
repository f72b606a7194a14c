package jsondiff

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFieldsNamesNestedDifferences(t *testing.T) {
	type inner struct {
		N int      `json:"n"`
		S []string `json:"s,omitempty"`
	}
	type outer struct {
		A  float64 `json:"a"`
		In inner   `json:"in"`
		P  *inner  `json:"p,omitempty"`
	}
	x := outer{A: 0.5, In: inner{N: 1, S: []string{"k"}}}
	y := outer{A: 0.5, In: inner{N: 2}, P: &inner{}}
	require.Equal(t, []Diff{
		{Path: "in.n", A: "1", B: "2"},
		{Path: "in.s", A: `["k"]`, B: "absent"},
		{Path: "p", A: "absent", B: `{"n":0}`},
	}, Fields(x, y))
	require.Empty(t, Fields(x, x))
}
