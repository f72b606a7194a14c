// Package split is dimension splitting for large vocabularies (rdlm-math.md
// section 9): a token id of a K0-word vocabulary is written as m base-K
// digits, least significant first, so that the diffusion runs on m positions
// of the small sphere S^K (K tokens plus the mask) per token instead of one
// position of S^{K0}. Sequences are laid out token-major: the m digits of
// token l occupy positions l*m .. l*m+m-1.
//
// Digit sequences produced by a model can spell numbers >= K0 (K^m usually
// exceeds K0: LM1B has 3^10 = 59049 > 30522). Decode reports them as errors;
// DecodeUNK maps them to an id the caller chooses. Nothing wraps silently.
package split

import (
	"fmt"
	"math"
)

// Digits returns m, the number of base-k digits needed for ids 0..k0-1: the
// smallest m >= 1 with k^m >= k0. k^m must fit in int (so that decoding any m
// digits cannot overflow). It is computed with integers: the float
// formula ceil(ln k0 / ln k) can round up at exact powers (ln 243 / ln 3
// evaluates to just above 5).
func Digits(k0, k int) (int, error) {
	if k0 < 1 {
		return 0, fmt.Errorf("split: vocabulary size %d must be >= 1", k0)
	}
	if k < 2 {
		return 0, fmt.Errorf("split: base %d must be >= 2", k)
	}
	m, p := 1, k // p = k^m
	for p < k0 {
		if p > math.MaxInt/k {
			return 0, fmt.Errorf("split: base %d to the power %d overflows int", k, m+1)
		}
		p *= k
		m++
	}
	return m, nil
}

// Splitter converts between token ids (vocabulary K0) and base-K digits.
type Splitter struct {
	vocab, base, digits int
}

// New returns the splitter for a K0-word vocabulary in base K.
func New(vocab, base int) (Splitter, error) {
	m, err := Digits(vocab, base)
	if err != nil {
		return Splitter{}, err
	}
	return Splitter{vocab: vocab, base: base, digits: m}, nil
}

// Vocab is K0, the number of token ids.
func (s Splitter) Vocab() int { return s.vocab }

// Base is K, the number of digit values (the small sphere's token count).
func (s Splitter) Base() int { return s.base }

// Digits is m, the number of positions per token.
func (s Splitter) Digits() int { return s.digits }

// Integer is an element type that ids and digits can be stored in: int for
// token sequences, uint8 for images (256 values, base-16 digits), int32 for
// corpora.
type Integer interface{ ~int | ~int32 | ~uint8 }

// Encode writes the digits of ids into dst, token-major, least significant
// digit first: dst[l*m+j] = (ids[l] / K^j) mod K. len(dst) must be
// len(ids)*m; an id outside [0, K0) is an error naming its position.
func (s Splitter) Encode(dst, ids []int) error { return EncodeInto(s, dst, ids) }

// EncodeInto is Encode for any integer element types; D must hold every
// digit (K <= 256 for uint8).
func EncodeInto[D, I Integer](s Splitter, dst []D, ids []I) error {
	if s.digits == 0 {
		return fmt.Errorf("split: zero Splitter; use New")
	}
	if !holds[D](s.base - 1) {
		return fmt.Errorf("split: digits of base %d do not fit in %T", s.base, D(0))
	}
	if len(dst) != len(ids)*s.digits {
		return fmt.Errorf("split: %d digits for %d ids, want %d", len(dst), len(ids), len(ids)*s.digits)
	}
	for l, v := range ids {
		id := int(v)
		if id < 0 || id >= s.vocab {
			return fmt.Errorf("split: token id %d at position %d outside [0, %d)", id, l, s.vocab)
		}
		d := dst[l*s.digits : (l+1)*s.digits]
		for j := range d {
			d[j] = D(id % s.base)
			id /= s.base
		}
	}
	return nil
}

// Decode turns digits (token-major, least significant first) back into ids:
// ids[l] = sum_j digits[l*m+j] K^j. A digit outside [0, K) or an id >= K0 is
// an error naming its position.
func (s Splitter) Decode(dst, digits []int) error { return DecodeInto(s, dst, digits) }

// DecodeInto is Decode for any integer element types; I must hold every id
// (K0 <= 256 for uint8).
func DecodeInto[I, D Integer](s Splitter, dst []I, digits []D) error {
	_, err := decode(s, dst, digits, -1)
	return err
}

// DecodeUNK is Decode with a policy for numbers >= K0: they become unk (which
// must be a valid id, such as the vocabulary's [UNK]), and the count of
// replaced tokens is returned. Digits outside [0, K) are still errors: they
// cannot come from a decoded sphere position.
func (s Splitter) DecodeUNK(dst, digits []int, unk int) (replaced int, err error) {
	if unk < 0 || unk >= s.vocab {
		return 0, fmt.Errorf("split: replacement id %d outside [0, %d)", unk, s.vocab)
	}
	return decode(s, dst, digits, unk)
}

func decode[I, D Integer](s Splitter, dst []I, digits []D, unk int) (int, error) {
	if s.digits == 0 {
		return 0, fmt.Errorf("split: zero Splitter; use New")
	}
	if !holds[I](s.vocab - 1) {
		return 0, fmt.Errorf("split: ids of a %d-word vocabulary do not fit in %T", s.vocab, I(0))
	}
	if len(digits) != len(dst)*s.digits {
		return 0, fmt.Errorf("split: %d digits do not make %d ids of %d digits", len(digits), len(dst), s.digits)
	}
	replaced := 0
	for l := range dst {
		d := digits[l*s.digits : (l+1)*s.digits]
		id := 0
		for j := len(d) - 1; j >= 0; j-- {
			dj := int(d[j])
			if dj < 0 || dj >= s.base {
				return replaced, fmt.Errorf("split: digit %d at position %d outside [0, %d)", dj, l*s.digits+j, s.base)
			}
			id = id*s.base + dj // < K^m, which Digits checked fits in int
		}
		if id >= s.vocab {
			if unk < 0 {
				return replaced, fmt.Errorf("split: digits at positions %d..%d spell id %d, outside the vocabulary [0, %d)", l*s.digits, (l+1)*s.digits-1, id, s.vocab)
			}
			id = unk
			replaced++
		}
		dst[l] = I(id)
	}
	return replaced, nil
}

// holds says whether T represents n (>= 0) exactly.
func holds[T Integer](n int) bool { return T(n) >= 0 && int(T(n)) == n }
