#!/usr/bin/env bash
# The praksisplan pipeline over the full sample, 1 and 2 threads, and over the
# input doubled (the full sample plus a second one made with another seed):
# median wall seconds of 3 runs, lines/s, MB/s, peak RSS.
#
#   Benchmarks/bench.sh [BIN] [SAMPLE_DIR]
set -euo pipefail
BIN=${1:-.build/release/lunapipe}
FULL=${2:-Samples/full}
RUNS=${RUNS:-3}
WORK=${TMPDIR:-/tmp}/lunapipe-bench
mkdir -p "$WORK"
SEED2="$WORK/full-seed2"
# Made again whenever the binary (so perhaps the generator) is newer.
if [ ! "$SEED2/.complete" -nt "$BIN" ]; then
  rm -rf "$SEED2"
  "$BIN" samples --out "$SEED2" --scale full --seed 2 >/dev/null
  touch "$SEED2/.complete"
fi

measure() { # label threads files...
  local label=$1 threads=$2; shift 2
  local bytes lines
  bytes=$(cat "$@" | wc -c)
  lines=$(cat "$@" | wc -l)
  cat "$@" > /dev/null  # warm the page cache
  local walls=() rss=0
  for _ in $(seq "$RUNS"); do
    # One output directory per input set: the volume guard (rightly) stops
    # a run with half the records of the last one into the same directory.
    /usr/bin/time -f "%e %M" -o "$WORK/time" "$BIN" run praksisplan --claims "$@" --out "$WORK/out-$label" \
      --threads "$threads" --force --quiet
    read -r w m < "$WORK/time"
    walls+=("$w")
    (( m > rss )) && rss=$m
  done
  local med
  med=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  awk -v l="$label" -v t="$threads" -v w="$med" -v b="$bytes" -v n="$lines" -v r="$rss" 'BEGIN {
    printf "%-16s threads=%d  %6.2f s  %9.0f lines/s  %6.1f MB/s  peak RSS %5.0f MB  (%d lines, %.0f MB)\n",
      l, t, w, n / w, b / w / 1e6, r / 1024, n, b / 1e6 }'
  echo "$med"  > "$WORK/last-$label-$threads"
}

echo "lunapipe praksisplan benchmark ($(nproc) cores, $RUNS runs each, median wall time)"
measure full 1 "$FULL"/ydelser-*.csv
measure full 2 "$FULL"/ydelser-*.csv
measure doubled 2 "$FULL"/ydelser-*.csv "$SEED2"/ydelser-*.csv
awk -v a="$(cat "$WORK/last-full-1")" -v b="$(cat "$WORK/last-full-2")" \
  'BEGIN { printf "speed-up 2 threads vs 1: %.2fx\n", a / b }'
