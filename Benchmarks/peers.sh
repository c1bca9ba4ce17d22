#!/usr/bin/env bash
# make bench-peers: LunaPipe's claims-summary pipeline against the peer
# benchmark's implementations of the same job (DuckDB, polars, pandas, the
# hand-written C job `job_fast.c`, and a C loop over libcsv), on the same
# files, alternating A B C ... per round.
#
#   Benchmarks/peers.sh            # region (4.5 M lines) and national (40 M)
#   SIZES=region RUNS=3 PEERS="duckdb polars" Benchmarks/peers.sh
#
# Needs the peer benchmark's folder (its generator, job scripts and output
# checker): PEERBENCH, default ../shared/peerbench. The Python peers go into a
# virtual environment under WORK. Prints, per file and tool: median wall
# seconds, median CPU seconds, peak RSS, and LunaPipe's ratio to each; then
# LunaPipe and the hand-written C job at 1 thread (alternating), their
# ratio and each one's speed-up from 1 to THREADS threads, LunaPipe's
# ingest-only throughput against the C parse-only loop, and the C loop's
# time divided by THREADS: the parse floor on THREADS threads' worth of work.
#
# LunaPipe runs with --no-incremental: the engine over the whole file every
# time (a plain run would keep per-file states and reuse them on the next).
set -euo pipefail
BIN=${BIN:-.build/release/lunapipe}
PEERBENCH=${PEERBENCH:-../shared/peerbench}
WORK=${WORK:-.build/peerbench}
RUNS=${RUNS:-3}
THREADS=${THREADS:-2}
PEERS=${PEERS-duckdb polars pandas}
SIZES=${SIZES:-region national}

if [ ! -f "$PEERBENCH/job_duckdb.py" ]; then
  echo "bench-peers: no peer benchmark at $PEERBENCH (set PEERBENCH=DIR)" >&2
  exit 2
fi
PEERBENCH=$(cd "$PEERBENCH" && pwd)
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
VENV=$WORK/venv
if ! "$VENV/bin/python" -c "import duckdb, polars, pandas, pyarrow, numpy" 2>/dev/null; then
  echo "installing the peers into $VENV (pip: duckdb polars pandas pyarrow numpy)"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q duckdb polars pandas pyarrow numpy
fi
PY=$VENV/bin/python
for v in "" _parse; do
  src="$PEERBENCH/job_libcsv.c"
  [ -x "$WORK/job_libcsv$v" ] || cc -O2 ${v:+-DPARSE_ONLY} -o "$WORK/job_libcsv$v" "$src" -lcsv
done
# The hand-written job, built as its FAST.md says.
[ -x "$WORK/job_fast" ] || cc -O3 -march=native -pthread -o "$WORK/job_fast" "$PEERBENCH/job_fast.c"

data() { # size -> path, generated once
  local size=$1 f="$WORK/$1.csv"
  if [ ! -f "$f.complete" ]; then
    case $size in
      region) "$PY" "$PEERBENCH/gen_claims.py" --rows 4500000 --scope region --seed 1 --out "$f" >&2 ;;
      national) "$PY" "$PEERBENCH/gen_claims.py" --rows 40000000 --scope national --seed 2 --out "$f" >&2 ;;
    esac
    touch "$f.complete"
  fi
  echo "$f"
}

run_tool() { # tool file outdir -> appends "wall cpu rss" to $WORK/times-tool
  local tool=$1 file=$2 out=$3
  rm -rf "$out"
  local t="$WORK/time.$$"
  case $tool in
    lunapipe) /usr/bin/time -f "%e %U %S %M" -o "$t" "$BIN" run claims-summary --claims "$file" --out "$out" --threads "$THREADS" --force --quiet --no-incremental ;;
    lunapipe-1) /usr/bin/time -f "%e %U %S %M" -o "$t" "$BIN" run claims-summary --claims "$file" --out "$out" --threads 1 --force --quiet --no-incremental ;;
    lunapipe-ingest) /usr/bin/time -f "%e %U %S %M" -o "$t" "$BIN" run validate --claims "$file" --out "$out" --threads 1 --force --quiet --no-incremental ;;
    c-fast) /usr/bin/time -f "%e %U %S %M" -o "$t" "$WORK/job_fast" -t "$THREADS" "$file" "$out" "$PEERBENCH/kommuner.csv" >/dev/null 2>&1 ;;
    c-fast-1) /usr/bin/time -f "%e %U %S %M" -o "$t" "$WORK/job_fast" -t 1 "$file" "$out" "$PEERBENCH/kommuner.csv" >/dev/null 2>&1 ;;
    duckdb) /usr/bin/time -f "%e %U %S %M" -o "$t" "$PY" "$PEERBENCH/job_duckdb.py" "$file" "$out" --threads "$THREADS" 2>/dev/null ;;
    polars) POLARS_MAX_THREADS=$THREADS /usr/bin/time -f "%e %U %S %M" -o "$t" "$PY" "$PEERBENCH/job_polars.py" "$file" "$out" 2>/dev/null ;;
    pandas) /usr/bin/time -f "%e %U %S %M" -o "$t" "$PY" "$PEERBENCH/job_pandas.py" "$file" "$out" --engine pyarrow --threads "$THREADS" 2>/dev/null ;;
    c-libcsv) /usr/bin/time -f "%e %U %S %M" -o "$t" "$WORK/job_libcsv" "$file" "$out" "$PEERBENCH/kommuner.csv" 2>/dev/null ;;
    c-parse) mkdir -p "$out"; /usr/bin/time -f "%e %U %S %M" -o "$t" "$WORK/job_libcsv_parse" "$file" "$out" "$PEERBENCH/kommuner.csv" >/dev/null 2>&1 || true ;;
  esac
  awk '{ printf "%s %.2f %d\n", $1, $2 + $3, $4 }' "$t" >> "$WORK/times-$tool"
  rm -f "$t"
}

median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

report() { # size tools...
  local size=$1; shift
  local lw
  lw=$(cut -d' ' -f1 "$WORK/times-lunapipe" | median)
  printf '\n%s: %s lines, %s MB, %d runs each after a warm-up, tools alternating\n' "$size" \
    "$(awk 'END { print NR - 1 }' "$FILE")" "$(( $(stat -L -c %s "$FILE") / 1000000 ))" "$RUNS"
  printf '| %-18s | %8s | %8s | %9s | %s |\n' "tool ($THREADS threads)" "wall s" "CPU s" "peak RSS" "LunaPipe wall / tool wall"
  printf '|%s|%s|%s|%s|%s|\n' "--------------------" "---------:" "---------:" "----------:" "---:"
  for tool in "$@"; do
    local w c m
    w=$(cut -d' ' -f1 "$WORK/times-$tool" | median)
    c=$(cut -d' ' -f2 "$WORK/times-$tool" | median)
    m=$(cut -d' ' -f3 "$WORK/times-$tool" | sort -g | tail -1)
    printf '| %-18s | %8.2f | %8.2f | %6.0f MB | %.2f |\n' "$tool" "$w" "$c" "$((m / 1024))" "$(awk -v a="$lw" -v b="$w" 'BEGIN { print a / b }')"
  done
  # The floor for anything built on libcsv with THREADS parsers: the C
  # parse-only loop's single-thread time shared out evenly (its CPU is the
  # same work, its memory that of one).
  local cw cc
  cw=$(cut -d' ' -f1 "$WORK/times-c-parse" | median)
  cc=$(cut -d' ' -f2 "$WORK/times-c-parse" | median)
  printf '| %-18s | %8.2f | %8.2f | %9s | %.2f |\n' "c-parse / $THREADS" "$(awk -v a="$cw" -v t="$THREADS" 'BEGIN { print a / t }')" \
    "$cc" "-" "$(awk -v a="$lw" -v b="$cw" -v t="$THREADS" 'BEGIN { print a / (b / t) }')"
}

for size in $SIZES; do
  FILE=$(data "$size")
  tools="lunapipe c-fast $PEERS"
  rm -f "$WORK"/times-*
  cat "$FILE" > /dev/null
  for tool in $tools; do run_tool "$tool" "$FILE" "$WORK/out-$tool"; done  # warm-up
  rm -f "$WORK"/times-*
  for _ in $(seq "$RUNS"); do
    for tool in $tools; do run_tool "$tool" "$FILE" "$WORK/out-$tool"; done
  done
  dirs=""
  for tool in $tools; do dirs="$dirs $WORK/out-$tool"; done
  echo
  echo "outputs ($size):"
  # shellcheck disable=SC2086
  python3 "$PEERBENCH/compare.py" $dirs | tail -n +1 | sed 's/^/  /'
  # LunaPipe alone: 1 thread, and ingest + validation only against libcsv's parse-only loop.
  for _ in $(seq "$RUNS"); do
    for tool in lunapipe-1 c-fast-1 lunapipe-ingest c-parse; do run_tool "$tool" "$FILE" "$WORK/out-$tool"; done
  done
  report "$size" $tools lunapipe-1 c-fast-1 lunapipe-ingest c-parse
  med() { cut -d' ' -f1 "$WORK/times-$1" | median; }
  awk -v a="$(med lunapipe)" -v b="$(med c-fast)" -v c="$(med lunapipe-1)" -v d="$(med c-fast-1)" -v t="$THREADS" \
    'BEGIN { printf "LunaPipe / hand-written C (job_fast), wall: %.2fx at %d threads, %.2fx at 1 thread; speed-up 1 -> %d threads: LunaPipe %.2fx, C %.2fx\n", a / b, t, c / d, t, c / a, d / b }'

  awk -v a="$(cut -d' ' -f1 "$WORK/times-lunapipe-1" | median)" -v b="$(cut -d' ' -f1 "$WORK/times-lunapipe" | median)" \
    'BEGIN { printf "LunaPipe speed-up, %d threads vs 1: %.2fx\n", '"$THREADS"', a / b }'
  awk -v a="$(cut -d' ' -f1 "$WORK/times-c-parse" | median)" -v b="$(cut -d' ' -f1 "$WORK/times-lunapipe-ingest" | median)" \
    'BEGIN { printf "LunaPipe ingest + validation, 1 thread: %.0f %% of the C libcsv parse-only throughput\n", 100 * a / b }'
done
