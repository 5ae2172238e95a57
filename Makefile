# VIKA — make demo (the IVR end to end on one machine) and make test (every test).
# Both start their own throwaway PostgreSQL unless DATABASE_URL is set (scripts/with-postgres.sh).

GO        ?= go
GOFLAGS   ?=
BIN       := bin/vika
PKGS      := ./...
TESTFLAGS ?= -race -count=1 -timeout 12m

.PHONY: all build test test-short demo prompts vet fmt bench loadtest loadtest-ci lab-check clean fuzz

all: build

build:
	$(GO) build -o $(BIN) ./cmd/vika

# make install / make uninstall (PREFIX, DESTDIR): the binary, the prompts into Asterisk's sounds, the systemd units.
include deploy/install.mk

# Every test, against a real PostgreSQL and the simulated Asterisk, and, when ../shared/asterisk-lab is beside the
# checkout, a real Asterisk 22.10.1 node loaded with asterisk-conf/ (scripts/with-lab.sh; it is stopped at the end).
# The report lists the real-Asterisk and SIP tests by name, so a run that skipped them shows it.
test:
	$(GO) build -o bin/testreport ./scripts/testreport
	scripts/with-lab.sh scripts/with-postgres.sh bash -o pipefail -c '$(GO) test $(TESTFLAGS) -json $(PKGS) | bin/testreport'

# Each fuzz target for FUZZTIME (30s in CI), one after the other: go test -fuzz takes one package and one target at a
# time. Their corpora are committed under each package's testdata/fuzz/; plain `make test` replays them.
FUZZTIME ?= 30s
FUZZ_TARGETS := ./ivr:FuzzCollector ./ivr:FuzzParseBirthDate ./ivr:FuzzARIEvent ./jkn:FuzzIdentity ./asterisksim/extconf:FuzzParse
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; name=$${t##*:}; echo "fuzz $$name in $$pkg for $(FUZZTIME)"; \
	  $(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $$pkg; \
	done

vet:
	$(GO) vet $(PKGS)
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }

# The IVR end to end with no Asterisk: throwaway PostgreSQL, migrate, seed, the simulated Asterisk, the app, and a
# phone in this terminal.
demo: build
	scripts/with-postgres.sh $(BIN) demo --log-format console $(DEMOFLAGS)

# Generate the prompt audio in every Asterisk format (needs espeak-ng and sox).
PROMPTS_OUT ?= build/sounds
prompts: build
	$(BIN) prompts build --out prompts/sounds --formats wav
	$(BIN) prompts build --out $(PROMPTS_OUT)

bench:
	scripts/with-postgres.sh $(GO) test -run '^$$' -bench . -benchmem $(PKGS)

loadtest: build
	scripts/with-postgres.sh $(BIN) loadtest $(LOADFLAGS)

# CI's external-app load test: vika sim and vika serve as processes, 200 calls in real time, 50 at once; fails only on
# failed calls, dropped call-log events or goroutines left behind (never on times). About 3 minutes.
loadtest-ci: build
	scripts/with-postgres.sh scripts/ci-loadtest.sh $(BIN)

clean:
	rm -rf bin build
