# RDLM in Go. `make test` is what CI runs (.ci/run); it first installs what
# the tests need when missing (test-deps), then checks the formatting, vets
# and runs every test.

GO      ?= go
PKGS    := ./...

.PHONY: compare-text compare-text-report compare-mnist compare-mnist-report test-deps viewer-deps view train-mnist all build test vet gotest wasm-build wasm-gputest webgpu-env site-test site serve run train-default bench bench-peer clean

all: build

build:
	$(GO) build -o bin/rdlm ./cmd/rdlm

# The main job: generate text with the built-in default model.
run: build
	./bin/rdlm sample --n 4 --length 128 --seed 1

# The default model the site serves (the one built into the CLI).
SITE_MODEL ?= core/builtin/shakespeare
SITE_IMAGE_MODEL ?= core/builtin/mnist

# A self-contained static folder: pages, widget, worker, wasm engine, model.
site:
	site/build.sh out/site --model $(SITE_MODEL) --image-model $(SITE_IMAGE_MODEL)

serve: build site
	./bin/rdlm serve --addr 127.0.0.1:8080 --dir out/site

# Retrain the built-in default model and its masked-diffusion baseline with the
# same budget, side by side on one core each (as they were made: one thread
# each keeps the runs bit-reproducible), then ship the RDLM one as f16 and
# print both held-out figures (see BENCHMARKS.md). The noise is counted from
# (seed, step), so the checkpoint and evaluation cadence does not change the
# weights: these are the runs of make compare-text's rdlm-window and mdlm
# arms (seed 0) at 16,000 steps, where the shipped model comes from.
DEFAULT_STEPS ?= 16000
TRAIN_FLAGS = --steps $(DEFAULT_STEPS) --ckpt-every 500 --eval-every 1000
train-default: build
	mkdir -p runs
	GOMAXPROCS=1 ./bin/rdlm train --config small --out runs/rdlm-small $(TRAIN_FLAGS) > runs/rdlm-small.log 2>&1 & a=$$!; \
	GOMAXPROCS=1 ./bin/rdlm train --config small --objective mdlm --out runs/mdlm-small $(TRAIN_FLAGS) > runs/mdlm-small.log 2>&1 & b=$$!; \
	wait $$a && wait $$b
	./bin/rdlm export --model runs/rdlm-small/ckpt --out core/builtin/shakespeare --f16 --force
	./bin/rdlm eval --model runs/rdlm-small/ckpt --split test --seeds 3 --json
	./bin/rdlm eval --model runs/mdlm-small/ckpt --split test --seeds 3 --json

# The comparison of BENCHMARKS.md ("RDLM against the baselines at equal
# compute"): each arm of COMPARE_ARMS trained from each of COMPARE_SEEDS,
# COMPARE_STEPS steps of batch 16 of the small DiT, one core per run and as
# many runs at once as the machine has cores (a step costs the same in every
# diffusion arm). A run lives in runs/long/ARM-sSEED and resumes from its
# checkpoint, so the target can be stopped and rerun, or rerun with more
# steps. (An arm's name must not contain "-s".) compare-text-report then
# scores them: the precise NELBO of every run, each arm's mean over seeds,
# the paired differences per seed, and the judge table of samples against
# steps for the seed-0 models.
COMPARE_STEPS ?= 8000
COMPARE_SEEDS ?= 0 1 2
COMPARE_ARMS ?= rdlm-window rdlm-adapt-ce rdlm-adapt-ceelbo mdlm
ARM_FLAGS_rdlm-window :=
ARM_FLAGS_rdlm-adapt-ce := --times adaptive
ARM_FLAGS_rdlm-adapt-elbo := --objective elbo --times adaptive
ARM_FLAGS_rdlm-adapt-ceelbo := --objective ce+elbo --times adaptive
ARM_FLAGS_mdlm := --objective mdlm
ARM_FLAGS_ar := --objective ar
COMPARE_RUN_DIRS = $(foreach a,$(COMPARE_ARMS),$(foreach s,$(COMPARE_SEEDS),runs/long/$(a)-s$(s)))
run_arm = $(firstword $(subst -s, ,$(notdir $(1))))
run_seed = $(lastword $(subst -s, ,$(notdir $(1))))

compare-text: build
	mkdir -p runs/long
	$(MAKE) --no-print-directory -j$$(nproc) $(COMPARE_RUN_DIRS)

.PHONY: $(COMPARE_RUN_DIRS)
$(COMPARE_RUN_DIRS):
	if [ -f $@/ckpt/trainer.json ]; then a="--resume --steps $(COMPARE_STEPS)"; \
	else a="--config small --steps $(COMPARE_STEPS) --ckpt-every 250 --eval-every 2000 --seed $(call run_seed,$@) $(ARM_FLAGS_$(call run_arm,$@))"; fi; \
	GOMAXPROCS=1 ./bin/rdlm train --out $@ $$a >> $@.log 2>&1

# A run's test figure, made again when its checkpoint is newer.
runs/long/%.eval.json: runs/long/%/ckpt/trainer.json
	GOMAXPROCS=1 ./bin/rdlm eval --model runs/long/$*/ckpt --split test --json --rows runs/long/$*.rows.jsonl > $@.tmp && mv $@.tmp $@

COMPARE_JUDGE ?= shakespeare-ar
COMPARE_TEXTS ?= 256
compare-text-report: build
	$(MAKE) --no-print-directory -j$$(nproc) $(addsuffix .eval.json,$(COMPARE_RUN_DIRS))
	for a in $(COMPARE_ARMS); do cat $(foreach s,$(COMPARE_SEEDS),runs/long/$$a-s$(s).eval.json) | grep -o '"bpc":[-0-9.e+]*' | \
	  awk -F: -v arm=$$a '{x[NR] = $$2; s += $$2} END {m = s / NR; for (i = 1; i <= NR; i++) v += (x[i] - m) ^ 2; \
	    sd = NR > 1 ? sqrt(v / (NR - 1)) : 0; printf "%s: %d seeds, test BPC %.4f, sd over seeds %.4f, its standard error %.4f\n", arm, NR, m, sd, sd / sqrt(NR)}'; done
	for s in $(COMPARE_SEEDS); do for a in $(filter-out rdlm-window,$(COMPARE_ARMS)); do \
	  echo "seed $$s: rdlm-window minus $$a: $$(./bin/rdlm eval --model runs/long/rdlm-window-s$$s/ckpt --versus runs/long/$$a-s$$s/ckpt --split test --json)"; done; done
	mkdir -p runs/judge
	for spec in rdlm-window:euler rdlm-window:exact mdlm:euler; do \
	  n=$${spec%%:*}; rule=$${spec#*:}; case $$n in mdlm) r="";; *) r="--rule $$rule";; esac; \
	  for st in 8 16 32 64 128 256; do f=runs/judge/$$n-s0-$$rule-$$st; \
	    ./bin/rdlm sample --model runs/long/$$n-s0/ckpt --n $(COMPARE_TEXTS) --steps $$st $$r --seed 100 > $$f.txt; \
	    echo "$$n $$rule $$st $$(./bin/rdlm score --judge $(COMPARE_JUDGE) --text $$f.txt --rows $$f.rows.jsonl --json)"; \
	  done; done

test: test-deps vet gotest wasm-build wasm-gputest site-test

# Everything the tests need, each piece installed only when missing, at
# pinned versions (see each script): the X11/GL headers and Xvfb of the
# native viewer, which go vet and go test compile through cgo; Debian's
# chromium (with chromium-common, which holds SwiftShader's Vulkan driver)
# and npm playwright-core for the browser tests; the Vulkan loader and Dawn,
# for Go and for Node, for the WebGPU tests. One after the other, since they
# share apt; every test step below depends on it, so it runs first under
# make -j too. `make run` needs none of it.
test-deps:
	cmd/rdlm-view/install-deps.sh
	site/tests/install-deps.sh
	bash core/gpu/testenv/install.sh

vet gotest wasm-build wasm-gputest site-test: test-deps

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet $(PKGS)

gotest:
	$(GO) test -count=1 -timeout 15m $(PKGS)

# What the WebGPU tests need (Vulkan loader, SwiftShader, Dawn for Go and for
# Node), installed only when missing, pinned.
webgpu-env:
	bash core/gpu/testenv/install.sh

# The WGSL kernels and the page's device walk again, from js/wasm under Node's Dawn.
wasm-gputest:
	GOOS=js GOARCH=wasm $(GO) test -count=1 -exec "$(CURDIR)/core/gpu/testenv/go_js_wasm_exec" ./core/gpu/ ./shaders/ ./wasm/

# X11/GL development packages and Xvfb for the native viewer (cgo) and its test.
viewer-deps:
	cmd/rdlm-view/install-deps.sh

# The native viewer (Ebitengine; needs cgo and the packages above).
bin/rdlm-view: viewer-deps
	CGO_ENABLED=1 $(GO) build -o bin/rdlm-view ./cmd/rdlm-view

view: build bin/rdlm-view
	./bin/rdlm view

# The image models on MNIST (14x14), as they were made: RDLM direct (256
# categories per pixel), its masked-diffusion baseline at the same steps and
# RDLM split (two base-16 digits per pixel) at the same compute, side by
# side on one core each, and their held-out bits per dimension; then the
# split model, the one that trains better here, goes on (a bit-exact resume)
# to MNIST_SHIP_STEPS and ships as the built-in `mnist` (f16). See
# BENCHMARKS.md.
MNIST_EVAL = --split test --seeds 3 --max-sequences 256 --json
MNIST_SHIP_STEPS ?= 5131
train-mnist: build
	mkdir -p runs
	GOMAXPROCS=1 ./bin/rdlm train --config mnist --out runs/rdlm-mnist > runs/rdlm-mnist.log 2>&1 & a=$$!; \
	GOMAXPROCS=1 ./bin/rdlm train --config mnist --objective mdlm --out runs/mdlm-mnist > runs/mdlm-mnist.log 2>&1 & b=$$!; \
	GOMAXPROCS=1 ./bin/rdlm train --config mnist-split --out runs/rdlm-mnist-split > runs/rdlm-mnist-split.log 2>&1 & c=$$!; \
	wait $$a && wait $$b && wait $$c
	./bin/rdlm eval --model runs/rdlm-mnist/ckpt $(MNIST_EVAL)
	./bin/rdlm eval --model runs/mdlm-mnist/ckpt $(MNIST_EVAL)
	./bin/rdlm eval --model runs/rdlm-mnist-split/ckpt $(MNIST_EVAL)
	./bin/rdlm train --resume --out runs/rdlm-mnist-split --steps $(MNIST_SHIP_STEPS)
	./bin/rdlm export --model runs/rdlm-mnist-split/ckpt --out core/builtin/mnist --f16 --force
	./bin/rdlm eval --model core/builtin/mnist $(MNIST_EVAL)

# The MNIST arm of the comparison: masked diffusion (direct, K = 256) against
# RDLM split (two base-16 digits per pixel, the form that trains here), side
# by side on one core each at equal compute: a split step (twice the
# positions) costs 2.0 direct steps (side by side, one core each, both ran at
# 7,800 tokens/s with core/cpu's AVX-512 elementwise kernels; it was 2.4
# before them), so the split run gets half the steps. Both resume when their
# folder holds a checkpoint; compare-mnist-report scores them on the test
# split with the precise estimator.
COMPARE_MNIST_STEPS ?= 6000
compare-mnist: build
	mkdir -p runs/long
	for r in mdlm-mnist:mnist:$(COMPARE_MNIST_STEPS):--objective=mdlm rdlm-mnist-split:mnist-split:$$(( $(COMPARE_MNIST_STEPS) / 2 )):; do \
	  n=$${r%%:*}; r=$${r#*:}; c=$${r%%:*}; r=$${r#*:}; s=$${r%%:*}; f=$$(echo $${r#*:} | tr , ' '); \
	  if [ -f runs/long/$$n/ckpt/trainer.json ]; then a="--resume --steps $$s"; \
	  else a="--config $$c --steps $$s --ckpt-every 250 $$f"; fi; \
	  GOMAXPROCS=1 ./bin/rdlm train --out runs/long/$$n $$a >> runs/long/$$n.log 2>&1 & \
	done; wait

compare-mnist-report: build
	for n in mdlm-mnist rdlm-mnist-split; do \
	  ./bin/rdlm eval --model runs/long/$$n/ckpt --split test --max-sequences 1024 --json --rows runs/long/$$n.rows.jsonl > runs/long/$$n.eval.json; cat runs/long/$$n.eval.json; done

# The page, the widget and the worker in headless Chromium (WebGPU on
# SwiftShader, and the CPU fallback).
site-test:
	site/tests/run.sh

# The core must stay portable to the browser.
wasm-build:
	GOOS=js GOARCH=wasm $(GO) build $(PKGS)

bench: build
	./bin/rdlm bench --json

# rdlm bench against PyTorch (Debian python3-torch, installed when missing),
# alternating in the same run; medians and ratios (see BENCHMARKS.md).
bench-peer: build
	cmd/rdlm-peer/compare.sh 5

clean:
	rm -rf bin out
