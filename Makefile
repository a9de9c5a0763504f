# harvest2runn: `make demo` and `make test` are the two set-up commands (see README.md).
GO       ?= go
BIN      := bin/harvest2runn
PKGS     := ./...
# The DuckDB driver is cgo: the first build compiles and links it (about a minute on 2 cores).
export CGO_ENABLED := 1
# harvest2runn version prints these: the version from git describe, the commit it was built from.
VERSION  ?= $(shell git describe --always --dirty 2>/dev/null || echo devel)
COMMIT   ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
LDFLAGS  := -X main.version=$(VERSION) -X main.commit=$(COMMIT)
# DuckDB's Arrow interface (query --output arrow) is behind the driver's build tag duckdb_arrow.
export GOFLAGS := $(GOFLAGS) -tags=duckdb_arrow

.PHONY: build test bench demo lint clean

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/harvest2runn

test: lint
	$(GO) test -count=1 -timeout 20m $(PKGS)

# Benchmarks report ratios against the rate limits, CPU per page and peak memory;
# figures and commands are recorded in docs/benchmarks.md.
bench:
	$(GO) test -run '^$$' -bench 'HarvestExtract|DailyExtractSize|StagingRead|RunnSnapshot' -benchtime 1x -timeout 60m ./extract/
	$(GO) test -run '^$$' -bench 'LandTimeEntriesPage' -benchtime 50x ./extract/
	$(GO) test -run '^$$' -bench 'Transform' -benchtime 1x -timeout 30m ./transform/
	$(GO) test -run '^$$' -bench 'ApplyActuals' -benchtime 1x -timeout 30m ./load/
	$(GO) test -run '^$$' -bench 'Analysts/window45d' -benchtime 1x -timeout 60m ./pipelines/
	$(GO) test -run '^$$' -bench 'RunnPacing' -benchtime 1x -timeout 60m ./pipelines/

demo: build
	./$(BIN) demo

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	@# go.mod and go.sum must be what `go mod tidy` makes of the imports (Go 1.23+: -diff changes nothing).
	@if ! $(GO) mod tidy -diff; then echo "go.mod or go.sum is not tidy: run \`go mod tidy\` and commit the result"; exit 1; fi

clean:
	rm -rf bin
