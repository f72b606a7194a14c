// Package floatbits decodes the little-endian float encodings that tensor
// files hold (safetensors, PyTorch checkpoints) to float32. Every decoding is
// exact: float16 and bfloat16 values are all representable in float32.
package floatbits

import (
	"encoding/binary"
	"math"

	"github.com/x448/float16"
)

// F32 decodes the float32 in b[0:4].
func F32(b []byte) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(b)) }

// F16 decodes the IEEE half-precision float in b[0:2].
func F16(b []byte) float32 { return float16.Frombits(binary.LittleEndian.Uint16(b)).Float32() }

// BF16 decodes the bfloat16 in b[0:2]: its bits are the high half of a float32's.
func BF16(b []byte) float32 { return math.Float32frombits(uint32(binary.LittleEndian.Uint16(b)) << 16) }
