# RDLM in Go. `make test` is what CI runs (.ci/run); it installs what the
# tests need when missing.

GO      ?= go
PKGS    := ./...

.PHONY: all build test vet gotest wasm-build run bench clean

all: build

build:
	$(GO) build -o bin/rdlm ./cmd/rdlm

# The main job on the built-in defaults.
run: build
	./bin/rdlm tables --tokens 27 --at 0.5,0.85,0.95

test: vet gotest wasm-build

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet $(PKGS)

gotest:
	$(GO) test -count=1 -timeout 15m $(PKGS)

# The core must stay portable to the browser.
wasm-build:
	GOOS=js GOARCH=wasm $(GO) build $(PKGS)

bench: build
	./bin/rdlm bench --json

clean:
	rm -rf bin
