package generate

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/rdlm-go/rdlm/core/ckpt"
	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/pixels"
	"github.com/rdlm-go/rdlm/core/process"
	"github.com/rdlm-go/rdlm/core/schedule"
	"github.com/rdlm-go/rdlm/core/split"
	"github.com/rdlm-go/rdlm/core/text"
	"github.com/rdlm-go/rdlm/core/walk"
	"github.com/rdlm-go/rdlm/core/wordpiece"
)

// Kind is what a model's samples are.
type Kind int

const (
	// Characters: one position per character of a text vocabulary (text8);
	// prompts and templates condition it.
	Characters Kind = iota
	// Tokens: token ids spelt in digits (dimension splitting, the
	// reference's LM1B models), printed through a WordPiece vocabulary or
	// as ids.
	Tokens
	// Images: pixel values, one position each or base-16 digits.
	Images
)

// Model is a checkpoint ready to generate from: its network, its process
// (schedule and mixture, from its own config, never from defaults), and how
// its samples decode. It is read-only once made and may be shared by any
// number of Runners.
type Model struct {
	cfg    ckpt.Config
	params *model.Params[float32]
	sched  schedule.Schedule
	mix    process.Mixture
	kind   Kind

	chars *textVocab       // Characters
	split split.Splitter   // Tokens
	words *wordpiece.Vocab // Tokens; nil prints ids
	image *pixels.Layout   // Images
}

// textVocab is a character vocabulary with its normalisers for prompts and
// templates.
type textVocab struct {
	*text.Vocab
	normalize, normalizeTemplate func(string) string
}

func textVocabFor(name string) (*textVocab, error) {
	switch name {
	case "text8":
		return &textVocab{text.Text8(), text.NormalizeText8, walk.NormalizeTemplateText8}, nil
	}
	return nil, fmt.Errorf("the model's vocabulary %q is not a text vocabulary this build can sample (known: text8)", name)
}

// NewModel prepares c for generation. words is the WordPiece vocabulary of
// a split model with a tokenizer (the vocab.txt that rdlm convert stores
// beside the weights); nil prints such a model's token ids.
func NewModel(c *ckpt.Checkpoint, words *wordpiece.Vocab) (*Model, error) {
	pc, mc := c.Config.Process, c.Config.Model
	m := &Model{cfg: c.Config, params: c.Params}
	var err error
	if m.sched, m.mix, err = pc.Walk(); err != nil {
		return nil, err
	}
	switch {
	case pc.Image != nil:
		m.kind = Images
		lay, err := pc.ImageLayout()
		if err != nil {
			return nil, err
		}
		if lay.Positions() != mc.Length {
			return nil, fmt.Errorf("the image model has %d positions but its %dx%dx%d images of %d digit(s) per value need %d",
				mc.Length, lay.Height, lay.Width, lay.Channels, lay.Digits, lay.Positions())
		}
		m.image = &lay
	case pc.Split != nil:
		m.kind = Tokens
		if m.split, err = split.New(pc.Split.Vocab, pc.Split.Base); err != nil {
			return nil, err
		}
		if m.split.Digits() != pc.Split.Digits || m.split.Base() != mc.Vocab {
			return nil, fmt.Errorf("the model's split (%d ids as %d base-%d digits) disagrees with its vocabulary of %d digits",
				pc.Split.Vocab, pc.Split.Digits, pc.Split.Base, mc.Vocab)
		}
		if words != nil && words.Size() != m.split.Vocab() {
			return nil, fmt.Errorf("the WordPiece vocabulary has %d tokens but the model's ids span %d", words.Size(), m.split.Vocab())
		}
		m.words = words
	default:
		m.kind = Characters
		if m.chars, err = textVocabFor(pc.Vocab); err != nil {
			return nil, err
		}
		if m.chars.Size() != mc.Vocab {
			return nil, fmt.Errorf("the model has %d tokens but its vocabulary %q has %d", mc.Vocab, pc.Vocab, m.chars.Size())
		}
	}
	return m, nil
}

// Config is the checkpoint's config.
func (m *Model) Config() ckpt.Config { return m.cfg }

// Params are the network's weights.
func (m *Model) Params() *model.Params[float32] { return m.params }

// Kind is what the model's samples are.
func (m *Model) Kind() Kind { return m.kind }

// Family is the model's kind of diffusion: ckpt.FamilyRDLM, FamilyMDLM or
// FamilyAR.
func (m *Model) Family() string {
	if f := m.cfg.Process.Family; f != "" {
		return f
	}
	return ckpt.FamilyRDLM
}

// isBaseline says whether the model is one of the baselines, which have
// their own CPU samplers instead of the walk.
func (m *Model) isBaseline() bool { return m.cfg.Process.IsAR() || m.cfg.Process.IsMDLM() }

// Image is an image model's layout (nil for text).
func (m *Model) Image() *pixels.Layout { return m.image }

// Vocab is a character model's vocabulary (nil otherwise).
func (m *Model) Vocab() *text.Vocab {
	if m.chars == nil {
		return nil
	}
	return m.chars.Vocab
}

// Start is where the walk's free positions start (uniform or masked).
func (m *Model) Start() process.Start { return m.mix.GenerationStart() }

// positionsPerUnit is how many walk positions one unit of a request's
// length takes: a split text model's digits per token, else 1.
func (m *Model) positionsPerUnit() int {
	if m.kind == Tokens {
		return m.split.Digits()
	}
	return 1
}

// MaxLength is the longest request length: the model's positions (in
// characters, or in an image's digit positions), in tokens for a split text
// model.
func (m *Model) MaxLength() int { return m.cfg.Model.Length / m.positionsPerUnit() }

// unit names what a request's length counts.
func (m *Model) unit() string {
	if m.kind == Tokens {
		return "tokens"
	}
	return "positions"
}

// decoder turns samples into text; it holds a split model's scratch ids so
// that decoding a batch allocates only the strings.
type decoder struct {
	m   *Model
	ids []int // (Length) token ids of a split model
}

func (m *Model) newDecoder(length int) *decoder {
	d := &decoder{m: m}
	if m.kind == Tokens {
		d.ids = make([]int, length)
	}
	return d
}

// text turns one sample's positions into text: characters, or token ids
// through the WordPiece vocabulary (ids when there is none; a digit string
// past the vocabulary is [UNK], or "?" without a vocabulary).
func (d *decoder) text(tokens []int) (string, error) {
	m := d.m
	switch m.kind {
	case Characters:
		return m.chars.Decode(tokens)
	case Images:
		return "", fmt.Errorf("an image model's samples are pixels, not text")
	}
	digits := m.split.Digits()
	ids := d.ids[:len(tokens)/digits]
	if m.words == nil {
		var b strings.Builder
		for l := range ids {
			if l > 0 {
				b.WriteByte(' ')
			}
			if m.split.Decode(ids[l:l+1], tokens[l*digits:(l+1)*digits]) != nil {
				b.WriteByte('?')
			} else {
				b.WriteString(strconv.Itoa(ids[l]))
			}
		}
		return b.String(), nil
	}
	unk, _ := m.words.ID(wordpiece.Unknown)
	if _, err := m.split.DecodeUNK(ids, tokens, unk); err != nil {
		return "", err
	}
	return m.words.Decode(ids, true)
}

// ImageValues is the number of pixel values of one image (0 for text).
func (m *Model) ImageValues() int {
	if m.image == nil {
		return 0
	}
	return m.image.Values()
}

// Pixels writes the pixel values (n, ImageValues()) that tokens
// (n, positions) spell into dst: a split model's digits join into one
// 0-255 level. A live view passes a step's most probable tokens.
func (m *Model) Pixels(dst []uint8, tokens []int, n int) error {
	if m.image == nil {
		return fmt.Errorf("a text model's samples are text, not pixels")
	}
	L, size := m.image.Positions(), m.image.Values()
	if len(dst) < n*size || len(tokens) < n*L {
		return fmt.Errorf("generate: %d images need %d values from %d tokens, got %d and %d", n, n*size, n*L, len(dst), len(tokens))
	}
	for s := 0; s < n; s++ {
		if err := m.image.Decode(dst[s*size:(s+1)*size], tokens[s*L:(s+1)*L]); err != nil {
			return err
		}
	}
	return nil
}
