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
# arms at 13,000 steps, where the shipped model comes from.
DEFAULT_STEPS ?= 13000
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
# compute"): four runs of the small DiT, COMPARE_STEPS steps of batch 16 each,
# side by side on one core each: RDLM with the published objective and window,
# RDLM trained on its NELBO with adaptive times, MDLM and AR. Each run resumes
# when its folder holds a checkpoint, so the target can be stopped and rerun.
# compare-text-report then scores them (precise NELBO, paired differences,
# and the judge table of samples against steps).
COMPARE_STEPS ?= 16000
COMPARE_RUNS = rdlm-window: rdlm-adapt:--objective=elbo,--times=adaptive mdlm:--objective=mdlm ar:--objective=ar
compare-text: build
	mkdir -p runs/long
	for r in $(COMPARE_RUNS); do \
	  n=$${r%%:*}; f=$$(echo $${r#*:} | tr , ' '); \
	  if [ -f runs/long/$$n/ckpt/trainer.json ]; then a="--resume --steps $(COMPARE_STEPS)"; \
	  else a="--config small --steps $(COMPARE_STEPS) --ckpt-every 250 --eval-every 2000 $$f"; fi; \
	  GOMAXPROCS=1 ./bin/rdlm train --out runs/long/$$n $$a >> runs/long/$$n.log 2>&1 & \
	done; wait

COMPARE_JUDGE ?= runs/long/ar/ckpt
COMPARE_TEXTS ?= 64
compare-text-report: build
	mkdir -p runs/judge
	for n in rdlm-window rdlm-adapt mdlm ar; do \
	  ./bin/rdlm eval --model runs/long/$$n/ckpt --split test --json --rows runs/long/$$n.rows.jsonl > runs/long/$$n.eval.json; cat runs/long/$$n.eval.json; done
	for n in mdlm rdlm-adapt; do ./bin/rdlm eval --model runs/long/rdlm-window/ckpt --versus runs/long/$$n/ckpt --split test --json; done
	for spec in rdlm-window:euler rdlm-window:exact mdlm:euler rdlm-adapt:euler rdlm-adapt:exact; do \
	  n=$${spec%%:*}; rule=$${spec#*:}; case $$n in mdlm) r="";; *) r="--rule $$rule";; esac; \
	  for st in 8 16 32 64 128 256; do \
	    ./bin/rdlm sample --model runs/long/$$n/ckpt --n $(COMPARE_TEXTS) --steps $$st $$r --seed 100 > runs/judge/$$n-$$rule-$$st.txt; \
	    echo "$$n $$rule $$st $$(./bin/rdlm score --judge $(COMPARE_JUDGE) --text runs/judge/$$n-$$rule-$$st.txt --json)"; \
	  done; done
	./bin/rdlm sample --model runs/long/ar/ckpt --n 64 --seed 100 > runs/judge/ar.txt
	echo "ar ancestral $$(./bin/rdlm score --judge $(COMPARE_JUDGE) --text runs/judge/ar.txt --json)"

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
