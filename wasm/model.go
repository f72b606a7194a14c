package main

import (
	"fmt"

	"github.com/rdlm-go/rdlm/core/ckpt"
	"github.com/rdlm-go/rdlm/core/generate"
)

// maxModelBytes bounds what a page may load: the weights file and the
// float32 parameters are both in memory while loading, and a js/wasm
// module addresses at most 4 GiB, of which the browser often grants less.
const maxModelBytes = 1536 << 20

// ModelInfo is what the page shows about a loaded (or inspected) model.
type ModelInfo struct {
	Params       int    `json:"params"`
	Length       int    `json:"length"` // positions the model was built for: the largest length
	Vocab        string `json:"vocab"`
	Hidden       int    `json:"hidden"`
	Blocks       int    `json:"blocks"`
	SampleSteps  int    `json:"sampleSteps"` // the model's default number of steps
	TrainedSteps int64  `json:"trainedSteps"`
	DType        string `json:"dtype"`
	SHA256       string `json:"sha256"`
	// Image is set for image models: the page then draws pixel grids
	// instead of text, and Length counts digit positions, not pixels.
	Image *ImageInfo `json:"image,omitempty"`
}

// ImageInfo is an image model's sample shape and how each 0-255 value is
// spelt: one position of base 256, or two base-16 digits.
type ImageInfo struct {
	Height   int `json:"height"`
	Width    int `json:"width"`
	Channels int `json:"channels"`
	Base     int `json:"base"`
	Digits   int `json:"digits"`
}

// CheckConfig validates a config.json and says whether its model can run
// here, before any weights are fetched.
func CheckConfig(configJSON []byte) (ModelInfo, error) {
	cfg, err := ckpt.ParseConfig(configJSON)
	if err != nil {
		return ModelInfo{}, err
	}
	if err := fits(cfg); err != nil {
		return ModelInfo{}, err
	}
	return infoOf(cfg), nil
}

// fits refuses the models this front end cannot sample, each with the reason.
func fits(cfg ckpt.Config) error {
	pc, mc := cfg.Process, cfg.Model
	switch {
	case pc.IsMDLM():
		return fmt.Errorf("this model is the masked-diffusion (MDLM) baseline; the page samples RDLM models")
	case pc.IsAR():
		return fmt.Errorf("this model is the autoregressive (AR) baseline; the page samples RDLM models")
	}
	if pc.Image != nil {
		lay, err := pc.ImageLayout()
		if err != nil {
			return fmt.Errorf("the image model's layout cannot be drawn: %v", err)
		}
		if lay.Positions() != mc.Length {
			return fmt.Errorf("the image model has %d positions but its %dx%dx%d images of %d digit(s) per value need %d",
				mc.Length, lay.Height, lay.Width, lay.Channels, lay.Digits, lay.Positions())
		}
	} else if pc.Vocab != "text8" || pc.Split != nil {
		return fmt.Errorf("the model's vocabulary %q is neither a text vocabulary the page can show (known: text8) nor an image model", pc.Vocab)
	}
	bytesPerWeight := 4
	if cfg.DType != ckpt.DTypeF32 {
		bytesPerWeight = 2
	}
	need := int64(mc.NumParams()) * int64(4+bytesPerWeight)
	if need > maxModelBytes {
		return fmt.Errorf("the model has %d parameters: about %d MiB in memory while loading, more than the %d MiB a browser tab can be relied on for",
			mc.NumParams(), need>>20, maxModelBytes>>20)
	}
	return nil
}

func infoOf(cfg ckpt.Config) ModelInfo {
	mc := cfg.Model
	info := ModelInfo{Params: mc.NumParams(), Length: mc.Length, Vocab: cfg.Process.Vocab, Hidden: mc.Hidden,
		Blocks: mc.Blocks, SampleSteps: cfg.Process.SampleSteps, TrainedSteps: cfg.Step, DType: cfg.DType,
		SHA256: cfg.WeightsSHA256}
	if lay, err := cfg.Process.ImageLayout(); err == nil {
		info.Image = &ImageInfo{Height: lay.Height, Width: lay.Width, Channels: lay.Channels, Base: lay.Base, Digits: lay.Digits}
	}
	return info
}

// Model is a checkpoint ready to sample: decoded once, shared by every
// generation of every widget on the page.
type Model struct {
	info ModelInfo
	gen  *generate.Model
}

// LoadModel decodes and checks a checkpoint held in memory.
func LoadModel(configJSON, weights []byte) (*Model, error) {
	if _, err := CheckConfig(configJSON); err != nil {
		return nil, err
	}
	c, err := ckpt.FromBytes(configJSON, weights)
	if err != nil {
		return nil, err
	}
	g, err := generate.NewModel(c, nil) // its process from its own config, as in rdlm sample
	if err != nil {
		return nil, err
	}
	return &Model{info: infoOf(c.Config), gen: g}, nil
}

// IsImage says whether the model draws images rather than text.
func (m *Model) IsImage() bool { return m.gen.Kind() == generate.Images }

// Info describes the model.
func (m *Model) Info() ModelInfo { return m.info }
