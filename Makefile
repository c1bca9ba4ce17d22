# LunaPipe: `make run` sets everything up and runs the praksisplan pipeline;
# `make test` sets up and runs the tests. Both install what is missing.

SWIFT      ?= swift
RELEASE    := .build/release
BIN        := $(RELEASE)/lunapipe
FULL       := Samples/full
OUT        ?= out/praksisplan
THREADS    ?= $(shell nproc 2>/dev/null || echo 2)
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# System packages the build and the tools need (Debian names).
APT_PKGS   := libcsv-dev time

.PHONY: all deps build samples run test bench bench-peers clean help

all: build

help:
	@echo "make run      install, build, make the sample data if absent, run praksisplan into $(OUT)"
	@echo "make test     install, build, make the sample data if absent, run the tests"
	@echo "make bench    praksisplan over the full sample, 1 and 2 threads: s, lines/s, MB/s, peak RSS"
	@echo "make bench-peers  LunaPipe vs DuckDB, polars, pandas on the peer benchmark (PEERBENCH=dir)"
	@echo "make samples  write the full sample extracts into $(FULL) (about 4 million lines)"

# Installs the Debian packages that are missing (apt-get; as root or via sudo).
deps:
	@missing=""; for p in $(APT_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build -c release --product lunapipe

# The full sample is made once; `.complete` marks a finished set.
$(FULL)/.complete: | build
	rm -rf $(FULL)
	$(BIN) samples --out $(FULL) --scale full
	touch $@

samples: build $(FULL)/.complete

run: build samples
	$(BIN) run praksisplan --claims '$(FULL)/ydelser-*.csv' --out $(OUT) --threads $(THREADS)
	@echo
	@echo "The ten tables are in $(OUT)/tables (Danish CSV for Excel: $(OUT)/tables-da, Markdown: $(OUT)/tables-md, JSON: $(OUT)/tables-json)."

test: build samples
	LUNAPIPE_BIN=$(CURDIR)/$(BIN) LUNAPIPE_FULL_SAMPLE=$(CURDIR)/$(FULL) $(SWIFT) test

bench: build samples
	Benchmarks/bench.sh $(BIN) $(FULL)

# LunaPipe against DuckDB, polars, pandas and C/libcsv on the peer benchmark's
# 4.5 M and 40 M line files (PEERBENCH=dir of the peer benchmark; SIZES,
# RUNS, PEERS narrow it). Takes about 20 minutes.
bench-peers: build
	BIN=$(BIN) Benchmarks/peers.sh

clean:
	rm -rf .build out $(FULL)
