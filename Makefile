# phoneauth: `make run` serves on the embedded default, `make test` runs every test.
GO ?= go
BIN := bin/phoneauth
PKG := ./bootstrap/cmd/phoneauth

.PHONY: run build test vet fmt fmt-check

run:
	$(GO) run $(PKG)

build:
	$(GO) build -o $(BIN) $(PKG)

# Postgres rows of the test matrices skip when no server answers at 127.0.0.1:5432;
# REQUIRE_POSTGRES=1 (set by .ci/run) makes them fail instead. -v names every row in the log.
test: fmt-check vet
	$(GO) test -count=1 -v ./...

vet:
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

fmt-check:
	@out=$$(gofmt -l $$(git ls-files -co --exclude-standard '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
