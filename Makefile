# RDLM in Go. `make test` is what CI runs (.ci/run); it installs what the
# tests need when missing.

GO      ?= go
PKGS    := ./...

.PHONY: all build test vet gotest wasm-build wasm-gputest webgpu-env run bench bench-peer clean

all: build

build:
	$(GO) build -o bin/rdlm ./cmd/rdlm

# The main job on the built-in defaults.
run: build
	./bin/rdlm tables --tokens 27 --at 0.5,0.85,0.95

test: vet webgpu-env gotest wasm-build wasm-gputest

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet $(PKGS)

gotest:
	$(GO) test -count=1 -timeout 15m $(PKGS)

# What the WebGPU tests need (Vulkan loader, SwiftShader, Dawn for Go and for
# Node), installed only when missing, pinned.
webgpu-env:
	bash core/gpu/testenv/install.sh

# The WGSL kernels again, from js/wasm under Node's Dawn.
wasm-gputest:
	GOOS=js GOARCH=wasm $(GO) test -count=1 -exec "$(CURDIR)/core/gpu/testenv/go_js_wasm_exec" ./core/gpu/ ./shaders/

# The core must stay portable to the browser.
wasm-build:
	GOOS=js GOARCH=wasm $(GO) build $(PKGS)

bench: build
	./bin/rdlm bench --json

clean:
	rm -rf bin
