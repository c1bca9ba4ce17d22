# LunaPipe: `make run` sets everything up and runs the praksisplan pipeline;
# `make test` sets up and runs the tests. Both install what is missing.

SWIFT      ?= swift
RELEASE    := .build/release
BIN        := $(RELEASE)/lunapipe
FULL       := Samples/full
OUT        ?= out/praksisplan
THREADS    ?= $(shell nproc 2>/dev/null || echo 2)
# The region whose plan `make run` makes (1081-1085 or a name).
REGION     ?= 1081
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# System packages the build and the tools need (Debian names).
APT_PKGS   := libcsv-dev libsqlite3-dev libssl-dev libxlsxwriter-dev pkg-config time
# What only the tests need: an independent reader of the Excel workbook, a
# browser that renders and prints the HTML report in the fonts it fits its
# tables to (Liberation Sans has Arial's metrics), and poppler's pdftotext
# and pdfinfo to read the printed PDF.
TEST_APT_PKGS := python3-openpyxl chromium fonts-liberation poppler-utils

.PHONY: all deps build samples run test bench bench-rows bench-generic bench-peers bench-scale bench-stages bench-incremental clean help fuzz fuzz-replay test-sanitize example example-build docs

all: build

help:
	@echo "make run      install, build, make the sample data if absent, run praksisplan into $(OUT)"
	@echo "make test     install, build, make the sample data if absent, run the tests"
	@echo "make bench    praksisplan over the full sample, claims alone (1 and 2 threads) and all inputs as make run: s, lines/s, MB/s, peak RSS, their ratio"
	@echo "make bench-rows   typed rows (records(as:)) vs the scan's aggregate of the same sums, 3 M rows, 1 thread: rows/s"
	@echo "make bench-stages the aggregation alone vs after a lookup, a derive and a filter of ones own (STAGES_FILES, THREADS, RUNS): ratio"
	@echo "make bench-generic the engine on a generated sales CSV (text key, ISO date by month, decimals, distinct customers; ROWS, RUNS), 1 and 2 threads: s, lines/s, MB/s"
	@echo "make bench-peers  LunaPipe vs DuckDB, polars, pandas on the peer benchmark, and the C parse floor (PEERBENCH=dir)"
	@echo "make bench-incremental  claims-summary on the national file's 60 months: 59, +1, one replaced, one removed, against full runs (NATIONAL=file)"
	@echo "make bench-scale  claims-summary on 5, 10, 20, 40 M lines of the national file: s per M lines, peak RSS (NATIONAL=file)"
	@echo "make example  build the library example (Examples/BikeShare) and run its nightly job twice (the second is up to date)"
	@echo "make docs     the DocC documentation of LunaPipeCore, LunaOps and LunaReports into $(DOCS_DIR) (a warning fails it)"
	@echo "make samples  write the full sample extracts into $(FULL) (about 6.8 million claim lines of every region, the register and the population)"
	@echo "make fuzz SECONDS=N [JOBS=2] [FUZZ_ASAN=0]  libFuzzer (+ ASan unless FUZZ_ASAN=0) on ingest and validation for N s"
	@echo "make fuzz-replay  every input of the fuzz corpus, seeds and crashes once under ASan"
	@echo "make test-sanitize  the tests under ThreadSanitizer, then under AddressSanitizer"

# Installs the Debian packages that are missing (apt-get; as root or via sudo).
deps:
	@missing=""; for p in $(APT_PKGS) $(EXTRA_APT_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build -c release --product lunapipe

# The full sample is made once; `.complete` marks a finished set. A
# generator newer than the set (another version checked out or merged)
# writes it again: the tests expect what the generator writes.
$(FULL)/.complete: $(wildcard Samples/Generator/*.swift Samples/Generator/Published/*) | build
	rm -rf $(FULL)
	$(BIN) samples --out $(FULL) --scale full
	touch $@

# A full sample written before the generator wrote the provider register
# and the population beside the claims lacks them: write it again.
$(FULL)/befolkning-folk1a.csv: | build
	rm -f $(FULL)/.complete
	$(MAKE) --no-print-directory $(FULL)/.complete

samples: build $(FULL)/.complete $(FULL)/befolkning-folk1a.csv

run: build samples
	$(BIN) run praksisplan --claims '$(FULL)/ydelser-*.csv' --ydere $(FULL)/ydere.csv \
	  --befolkning $(FULL)/befolkning-folk1a.csv --region '$(REGION)' --out $(OUT) --threads $(THREADS)
	@echo
	@echo "The tables are in $(OUT)/tables (Danish CSV for Excel: $(OUT)/tables-da, Markdown: $(OUT)/tables-md, JSON: $(OUT)/tables-json); the report is $(OUT)/report.html, the workbook $(OUT)/praksisplan.xlsx."

# Every test runs: a plain `swift test` skips those whose binary, full sample,
# Chromium or openpyxl is missing; under LUNAPIPE_REQUIRE_ALL=1 they fail.
test: EXTRA_APT_PKGS = $(TEST_APT_PKGS)
test: build samples example-build
	LUNAPIPE_REQUIRE_ALL=1 LUNAPIPE_BIN=$(CURDIR)/$(BIN) LUNAPIPE_FULL_SAMPLE=$(CURDIR)/$(FULL) LUNAPIPE_EXAMPLE_BIN=$(CURDIR)/$(EXAMPLE_BIN) $(SWIFT) test

# The library example: its own package, built on LunaPipeCore and LunaOps.
EXAMPLE     := Examples/BikeShare
EXAMPLE_BIN := $(EXAMPLE)/.build/release/bikeshare-nightly
example-build: deps
	cd $(EXAMPLE) && $(SWIFT) build -c release --product bikeshare-nightly

example: example-build
	rm -rf $(EXAMPLE)/out
	$(EXAMPLE_BIN) --rides '$(EXAMPLE)/data/*.csv' --out $(EXAMPLE)/out/report
	$(EXAMPLE_BIN) --rides '$(EXAMPLE)/data/*.csv' --out $(EXAMPLE)/out/report
	@echo
	@echo "The example's outputs are in $(EXAMPLE)/out/report: by-station-year.csv, by-station-quarter.csv, growth.csv"

# The DocC documentation (swift-docc-plugin): the catalogs in
# Sources/TARGET/TARGET.docc and the doc comments, one archive per target in
# $(DOCS_DIR)/TARGET, for static hosting. A warning (an unresolved link, an
# undocumented parameter) fails the build.
DOCS_DIR     := .build/docs
DOCS_TARGETS := LunaPipeCore LunaOps LunaReports
docs: deps
	@mkdir -p $(DOCS_DIR)
	@for t in $(DOCS_TARGETS); do \
	  $(SWIFT) package --allow-writing-to-directory $(DOCS_DIR) generate-documentation --target $$t \
	    --warnings-as-errors --output-path $(DOCS_DIR)/$$t || exit 1; \
	done
	@echo
	@echo "The documentation is in $(addprefix $(DOCS_DIR)/,$(DOCS_TARGETS)). Serve one and open it, e.g."
	@echo "python3 -m http.server -d $(DOCS_DIR)/LunaPipeCore, then http://localhost:8000/documentation/lunapipecore"

bench: build samples
	REGION='$(REGION)' Benchmarks/bench.sh $(BIN) $(FULL)

# Record stages of one's own fused into the scan (issue 22): the national
# job's aggregation alone, and after a lookup, a derive and a filter that
# read values by name; alternating, medians, the ratio (target <= 1.15).
# STAGES_FILES=files (default the full sample's claims), THREADS, RUNS.
STAGES_FILES ?= $(FULL)/ydelser-*.csv
bench-stages: samples
	swift build -c release --product lunapipe-bench
	.build/release/lunapipe-bench stages --threads $(or $(THREADS),1) --runs $(or $(RUNS),3) $(STAGES_FILES)

# Typed rows against the scan: a sales file's sums per state on one thread,
# by `aggregate` and by user code over `records(as: Sale.self)` (3 M rows,
# written to .build/bench-rows once): rows/s of each and their ratio.
bench-rows:
	$(SWIFT) build -c release --product bench-typed-rows
	.build/release/bench-typed-rows

# The engine on a CSV that is no claims extract (issue 26's generic
# benchmark): a generated sales file of ROWS lines (default 4 M, written once
# to .build/bench-generic), keyed by state and month, summed, with exact
# distinct customers; medians of RUNS at 1 and 2 threads.
bench-generic: deps
	$(SWIFT) build -c release --product lunapipe-bench
	.build/release/lunapipe-bench generic --threads 1 --runs $(or $(RUNS),3) --rows $(or $(ROWS),4000000)
	.build/release/lunapipe-bench generic --threads 2 --runs $(or $(RUNS),3) --rows $(or $(ROWS),4000000)

# LunaPipe against DuckDB, polars, pandas and C/libcsv on the peer benchmark's
# 4.5 M and 40 M line files (PEERBENCH=dir of the peer benchmark; SIZES,
# RUNS, PEERS narrow it). Takes about 20 minutes.
bench-peers: build
	BIN=$(BIN) Benchmarks/peers.sh

# claims-summary on the first 5, 10, 20 and 40 M lines of the peer
# benchmark's national file (NATIONAL=file; `make bench-peers SIZES=national`
# writes it), the cut files kept in .build/bench-scale: seconds per million
# lines and peak RSS per size (SIZES, RUNS, THREADS narrow it).
NATIONAL ?= .build/peerbench/national.csv
bench-scale: build
	BIN=$(BIN) NATIONAL=$(NATIONAL) Benchmarks/scale.sh

# Incremental runs (issue 25): the national file cut into its 60 months
# (once, into .build/bench-incremental); 59 months, the 60th added, one
# replaced by a corrected copy, one removed; each step's time against a full
# run over the same files, outputs compared, the state's size (THREADS).
bench-incremental: build
	BIN=$(BIN) NATIONAL=$(NATIONAL) THREADS=$(or $(THREADS),2) Benchmarks/incremental.sh

clean:
	rm -rf .build out $(FULL)

# Fuzzing ingest and validation (Sources/lunapipe-fuzz, Tests/Fuzz/README.md).
# Release builds in their own folders: with AddressSanitizer in
# $(FUZZ_DIR) (the default), or with FUZZ_ASAN=0 libFuzzer alone in
# .build-fuzz-fast, about 5x the executions per second, for long runs whose
# corpus `make fuzz-replay` then runs once more under AddressSanitizer.
# Seeds: Tests/Fuzz/seeds (committed, small) and the first 2 KB of each
# Samples/small file; the corpus grows in $(FUZZ_DIR)/corpus, crashes land in
# $(FUZZ_DIR)/artifacts, the log in $(FUZZ_DIR)/fuzz.log (JOBS=N > 1: N
# processes sharing the corpus, logs $(FUZZ_DIR)/fuzz-0.log ...).
# FUZZ_FLAGS adds libFuzzer flags. Replay inputs without libFuzzer:
# `swift run lunapipe-fuzz FILE|DIR...`.
comma       := ,
FUZZ_DIR    := .build-fuzz
FUZZ_ASAN   ?= 1
FUZZ_BUILD  := $(if $(filter 0,$(FUZZ_ASAN)),.build-fuzz-fast,$(FUZZ_DIR))
FUZZ_SAN    := $(if $(filter 0,$(FUZZ_ASAN)),fuzzer,fuzzer$(comma)address)
FUZZ_BIN    := $(CURDIR)/$(FUZZ_BUILD)/release/lunapipe-fuzz
FUZZ_CORPUS := $(FUZZ_DIR)/corpus
SECONDS     ?= 60
JOBS        ?= 1
FUZZ_FLAGS  ?=
# Stack traces of allocations cost a third of the ASan run's time and serve
# only heap reports, which name the allocating frame anyway.
FUZZ_ASAN_OPTIONS ?= malloc_context_size=2

fuzz: deps
	$(SWIFT) build -c release --scratch-path $(FUZZ_BUILD) --product lunapipe-fuzz \
	  -Xswiftc -sanitize=$(FUZZ_SAN) -Xswiftc -DLUNA_FUZZ
	@mkdir -p $(FUZZ_CORPUS) $(FUZZ_DIR)/artifacts
	@rm -f $(FUZZ_DIR)/fuzz-*.log
	@for f in Samples/small/ydelser-*.csv; do \
	  seed=$(FUZZ_CORPUS)/small-$$(basename $$f .csv); \
	  [ -e $$seed ] || { printf '\141\077'; head -c 2000 $$f; } > $$seed; \
	done
	@{ cd $(FUZZ_DIR) && SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=$${ASAN_OPTIONS:-$(FUZZ_ASAN_OPTIONS)} $(FUZZ_BIN) corpus $(CURDIR)/Tests/Fuzz/seeds \
	    -dict=$(CURDIR)/Tests/Fuzz/claims.dict -max_len=2048 -timeout=25 -detect_leaks=0 \
	    -max_total_time=$(SECONDS) -print_final_stats=1 -artifact_prefix=artifacts/ \
	    $(if $(filter-out 1,$(JOBS)),-jobs=$(JOBS) -workers=$(JOBS)) \
	    $(FUZZ_FLAGS); echo $$? > fuzz.rc; } 2>&1 | tee $(FUZZ_DIR)/fuzz.log
	@echo "executions: $$(cat $$(ls $(FUZZ_DIR)/fuzz-*.log 2>/dev/null || echo $(FUZZ_DIR)/fuzz.log) | \
	    awk '/^stat::number_of_executed_units:/ { n += $$2 } END { print n + 0 }')" \
	  "($(JOBS) job(s), $(SECONDS) s, $(if $(filter 0,$(FUZZ_ASAN)),no ASan,ASan))," \
	  "crashes: $$(ls $(FUZZ_DIR)/artifacts | wc -l)," \
	  "corpus: $$(ls $(FUZZ_CORPUS) | wc -l) files, $$(cat $(FUZZ_CORPUS)/* | wc -c) bytes"
	@exit $$(cat $(FUZZ_DIR)/fuzz.rc)

# Every input of the corpus, the seeds and the saved crashes, once, under
# AddressSanitizer (with leak checks).
fuzz-replay: deps
	$(SWIFT) build -c release --scratch-path $(FUZZ_DIR) --product lunapipe-fuzz \
	  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DLUNA_FUZZ
	@mkdir -p $(FUZZ_CORPUS)
	ASAN_OPTIONS=$${ASAN_OPTIONS:-detect_leaks=1} LSAN_OPTIONS=suppressions=$(CURDIR)/Tests/Sanitizers/lsan.supp \
	  $(FUZZ_DIR)/release/lunapipe-fuzz -runs=0 -max_len=1000000 -detect_leaks=1 \
	  $(FUZZ_CORPUS) Tests/Fuzz/seeds Tests/Fuzz/crashes

# The tests under ThreadSanitizer, then under AddressSanitizer with
# LeakSanitizer, each in its own build folder. The tests that run the command
# (on the small and the full sample) run a release `lunapipe` built with the
# same sanitizer, so the command is checked too. CrashSafetyTests is left
# out: it kills 20 full-sample runs, which under TSan alone takes 9 minutes,
# and checks what a kill leaves on disk, not memory or threads. LSan skips
# the leaks listed in Tests/Sanitizers/lsan.supp (the toolchain's own, and
# false positives).
SANITIZE_SKIP ?= CrashSafetyTests

# As `make test`: a missing prerequisite fails rather than skips.
test-sanitize: EXTRA_APT_PKGS = $(TEST_APT_PKGS)
test-sanitize: deps example-build
	@[ -e $(FULL)/.complete ] || $(MAKE) samples
	$(SWIFT) build -c release --product lunapipe --sanitize=thread --scratch-path .build-tsan
	LUNAPIPE_REQUIRE_ALL=1 LUNAPIPE_EXAMPLE_BIN=$(CURDIR)/$(EXAMPLE_BIN) \
	LUNAPIPE_BIN=$(CURDIR)/.build-tsan/release/lunapipe LUNAPIPE_FULL_SAMPLE=$(CURDIR)/$(FULL) \
	  $(SWIFT) test --sanitize=thread --scratch-path .build-tsan $(if $(SANITIZE_SKIP),--skip '$(SANITIZE_SKIP)')
	$(SWIFT) build -c release --product lunapipe --sanitize=address --scratch-path .build-asan
	LUNAPIPE_REQUIRE_ALL=1 LUNAPIPE_EXAMPLE_BIN=$(CURDIR)/$(EXAMPLE_BIN) \
	LUNAPIPE_BIN=$(CURDIR)/.build-asan/release/lunapipe LUNAPIPE_FULL_SAMPLE=$(CURDIR)/$(FULL) \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/Tests/Sanitizers/lsan.supp \
	  $(SWIFT) test --sanitize=address --scratch-path .build-asan $(if $(SANITIZE_SKIP),--skip '$(SANITIZE_SKIP)')
