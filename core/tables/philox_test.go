package tables

import (
	"testing"

	"github.com/rdlm-go/rdlm/core/rng"
	"github.com/stretchr/testify/require"
)

// The batched generator (AVX2 on amd64) must give exactly rng.Block, for
// every lane, for batch sizes that do and do not fill whole vectors, and for
// counters and streams with high words set.
func TestPhiloxStreamsMatchesBlock(t *testing.T) {
	cases := []struct {
		seed, index, stream0 uint64
		n                    int
	}{
		{1, 0, 0, 256},
		{0xDEADBEEFCAFEF00D, 9998, 1000, 37},
		{42, 1<<32 | 5, 7<<32 | 3, 19},
		{7, 3, 1<<32 - 5, 16}, // crosses a multiple of 2^32 streams: scalar path
		{^uint64(0), ^uint64(0), 123456, 8},
		{5, 1, 2, 1},
	}
	for _, c := range cases {
		stride := c.n + 3
		dst := make([]uint32, 4*stride)
		philoxStreams(dst, stride, c.seed, c.index, c.stream0, c.n)
		for p := 0; p < c.n; p++ {
			want := rng.Block(c.seed, c.stream0+uint64(p), c.index)
			got := [4]uint32{dst[p], dst[stride+p], dst[2*stride+p], dst[3*stride+p]}
			require.Equal(t, want, got, "seed %d index %d stream %d", c.seed, c.index, c.stream0+uint64(p))
		}
		for q := 0; q < 4; q++ { // the padding after each row is untouched
			for p := c.n; p < stride; p++ {
				require.Zero(t, dst[q*stride+p])
			}
		}
	}
}

func BenchmarkPhiloxStreams256(b *testing.B) {
	dst := make([]uint32, 4*256)
	for i := 0; i < b.N; i++ {
		philoxStreams(dst, 256, 1, uint64(i), 0, 256)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/256, "ns/block")
}
