# phoneauth: `make run` serves on the embedded default, `make test` runs every test.
GO ?= go
BIN := bin/phoneauth
PKG := ./bootstrap/cmd/phoneauth

# Packages that have Go benchmarks (func Benchmark... in a _test.go file).
BENCH_PKGS = $(shell grep -rl --include='*_test.go' '^func Benchmark' . | xargs -r -n1 dirname | sort -u)
# Options of the load generator, e.g. LOAD_FLAGS='-c 64 -d 20s' (go run ./test/load -h lists them).
LOAD_FLAGS ?=

# staticcheck at a pinned version, installed under the ignored bin/ rather than required in
# go.mod, so that its dependencies do not move the service's. The version is in the path:
# changing it installs the new one.
STATICCHECK_VERSION := v0.8.2
STATICCHECK := bin/staticcheck-$(STATICCHECK_VERSION)/staticcheck

# How long `make test` fuzzes every route (FuzzRoutes); `make fuzz` takes longer by default.
FUZZTIME ?= 20s

.PHONY: run build test vet lint fmt fmt-check fuzz bench bench-postgres bench-go

run:
	$(GO) run $(PKG)

build:
	$(GO) build -o $(BIN) $(PKG)

# Postgres rows of the test matrices skip when no server answers at 127.0.0.1:5432;
# REQUIRE_POSTGRES=1 (set by .ci/run) makes them fail instead. -v names every row in the log.
test: fmt-check vet lint
	$(GO) test -count=1 -v ./...
	$(GO) test -count=1 -run '^$$' -fuzz '^FuzzRoutes$$' -fuzztime $(FUZZTIME) ./test/security/

# Fuzzes every route for longer: `make fuzz FUZZTIME=1h`. A failing input is written under
# test/security/testdata/fuzz/FuzzRoutes/, where `go test ./test/security/` replays it.
fuzz: FUZZTIME = 10m
fuzz:
	$(GO) test -count=1 -run '^$$' -fuzz '^FuzzRoutes$$' -fuzztime $(FUZZTIME) ./test/security/

vet:
	$(GO) vet ./...

lint: $(STATICCHECK)
	$(STATICCHECK) ./...

$(STATICCHECK):
	GOBIN=$(CURDIR)/$(@D) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

fmt:
	gofmt -w $$(git ls-files '*.go')

fmt-check:
	@out=$$(gofmt -l $$(git ls-files -co --exclude-standard '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

# The benchmarks of the hot paths, then the load generator: it builds $(BIN), starts it on
# a loopback port and prints requests/s, p50/p99 latency, errors and peak RSS per scenario.
# bench runs the service on SQLite, bench-postgres on a fresh schema of the local Postgres.
# Issue 14 judges logins and peak RSS with 64 concurrent logins: a second run does that.
bench: bench-go
	$(GO) run ./test/load -db=sqlite -bin $(BIN) $(LOAD_FLAGS)
	$(GO) run ./test/load -db=sqlite -bin $(BIN) -c 64 -scenarios login $(LOAD_FLAGS)

bench-postgres: bench-go
	$(GO) run ./test/load -db=postgres -bin $(BIN) $(LOAD_FLAGS)

bench-go:
	$(GO) test -run '^$$' -bench . -benchmem $(BENCH_PKGS)
