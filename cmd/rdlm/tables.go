package main

import (
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/rdlm-go/rdlm/core/process"
	"github.com/rdlm-go/rdlm/core/tables"
)

func init() {
	register(&command{
		name:    "tables",
		summary: "build the x_t tables (alpha_t, rho_t) of the mixture path and print them at given times",
		usage:   "--tokens K --at t1,t2,... [--rho-formula reference|exact] [--rho-scale S] [--particles N] [--seed S] [--cache FILE] [--json]",
		run:     runTables,
	})
}

// tableFlags are the flags that identify a table, shared with bridge.
type tableFlags struct {
	tokens    *int
	formula   *tables.Formula
	rhoScale  *float64
	particles *int
	seed      *uint64
	cache     *string
}

func addTableFlags(fs *flag.FlagSet, seedName string) *tableFlags {
	formula := tables.Reference
	fs.Var(&formula, "rho-formula", "how rho is solved from |E X|: `reference` (the published tables) or exact")
	return &tableFlags{
		tokens:    fs.Int("tokens", 0, "K, the number of token categories (>= 2; text8: 27); the sphere lives in R^(K+1)"),
		formula:   &formula,
		rhoScale:  fs.Float64("rho-scale", 1, "multiply rho by this (the reference uses 1.14 for LM1B)"),
		particles: fs.Int("particles", tables.DefaultParticles, "Monte Carlo particles of the table simulation"),
		seed:      fs.Uint64(seedName, 0, "seed of the table simulation"),
		cache:     fs.String("cache", "", "table cache file: loaded when it exists (and matches), written after a build"),
	}
}

// config validates the flags and returns the table configuration.
func (f *tableFlags) config() (tables.Config, error) {
	if *f.tokens < 2 {
		return tables.Config{}, usagef("--tokens must be at least 2 (got %d)", *f.tokens)
	}
	if !(*f.rhoScale > 0) {
		return tables.Config{}, usagef("--rho-scale must be positive (got %g)", *f.rhoScale)
	}
	if *f.particles < 1 {
		return tables.Config{}, usagef("--particles must be at least 1 (got %d)", *f.particles)
	}
	cfg := tables.DefaultConfig(*f.tokens)
	cfg.Formula = *f.formula
	cfg.RhoScale = *f.rhoScale
	cfg.Particles = *f.particles
	cfg.Seed = *f.seed
	if err := cfg.Validate(); err != nil {
		return tables.Config{}, usageError{err.Error()}
	}
	return cfg, nil
}

// load builds the tables, or loads them from the cache file.
func (f *tableFlags) load(cfg tables.Config) (*tables.Tables, bool, error) {
	return tables.LoadOrBuild(*f.cache, cfg)
}

// pathMoments is one path's row of the tables command's JSON output. The
// values are float32 in the tables, so they are printed at that precision.
type pathMoments struct {
	EK    float32 `json:"ek"`
	Start float32 `json:"start"`
	Alpha float32 `json:"alpha"`
	Rho   float32 `json:"rho"`
}

type tablesLine struct {
	T       float64     `json:"t"`
	Masked  pathMoments `json:"masked"`
	Uniform pathMoments `json:"uniform"`
}

func momentsAt(tab *tables.Tables, p process.Start, t float64) pathMoments {
	ek, st := tab.Means(p, t)
	a, r := tab.At(p, t)
	return pathMoments{float32(ek), float32(st), float32(a), float32(r)}
}

func runTables(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	tf := addTableFlags(fs, "seed")
	at := fs.String("at", "", "comma-separated times in [0, 1) to print (training and sampling times stay below 1)")
	asJSON := fs.Bool("json", false, "print one JSON object per time")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := tf.config()
	if err != nil {
		return err
	}
	if *at == "" {
		return usagef("--at is required (for example --at 0.5,0.85,0.95)")
	}
	times, err := parseFloatList(*at)
	if err != nil {
		return usagef("--at: %v", err)
	}
	for _, t := range times {
		if !(t >= 0 && t < 1) {
			return usagef("--at: time %g outside [0, 1)", t)
		}
	}
	start := time.Now()
	tab, built, err := tf.load(cfg)
	if err != nil {
		return err
	}
	if *asJSON {
		for _, t := range times {
			line := tablesLine{T: t, Masked: momentsAt(tab, process.StartMasked, t), Uniform: momentsAt(tab, process.StartUniform, t)}
			if err := writeJSON(stdout, line); err != nil {
				return err
			}
		}
		return nil
	}
	how := "loaded from " + *tf.cache
	if built {
		how = fmt.Sprintf("built in %.2fs", time.Since(start).Seconds())
	}
	fmt.Fprintf(stdout, "x_t tables for K = %d (S^%d in R^%d), %s rho formula, rho_scale %g, %d particles, seed %d (%s)\n",
		cfg.Tokens, cfg.Tokens, cfg.Tokens+1, cfg.Formula, cfg.RhoScale, cfg.Particles, cfg.Seed, how)
	fmt.Fprintf(stdout, "%8s | %-38s | %-38s\n", "", "masked (start e_m)", "uniform (start u)")
	fmt.Fprintf(stdout, "%8s | %9s %9s %9s %8s | %9s %9s %9s %8s\n", "t", "E<X,e_k>", "E<X,e_m>", "alpha", "rho", "E<X,e_k>", "E<X,u>", "alpha", "rho")
	for _, t := range times {
		m, u := momentsAt(tab, process.StartMasked, t), momentsAt(tab, process.StartUniform, t)
		fmt.Fprintf(stdout, "%8.4f | %9.5f %9.5f %9.5f %8.5f | %9.5f %9.5f %9.5f %8.5f\n", t, m.EK, m.Start, m.Alpha, m.Rho, u.EK, u.Start, u.Alpha, u.Rho)
	}
	return nil
}
