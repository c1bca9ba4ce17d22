#!/usr/bin/env bash
# The praksisplan pipeline over the full sample: the claims alone on 1 and 2
# threads, and with all three inputs as `make run` gives them (--claims,
# --ydere, --befolkning) on 2 threads; median wall seconds of RUNS runs,
# lines/s, MB/s, peak RSS, and the all-inputs / claims-only ratio (issue 14:
# at most 1.2). The two 2-thread configurations alternate run by run, so a
# slow spell of this shared machine falls on both. Every run scans its
# inputs whole (--no-incremental): a plain run would reuse the states the
# warm-up kept and time a re-run, not the scan.
#
#   Benchmarks/bench.sh [BIN] [SAMPLE_DIR]
set -euo pipefail
BIN=${1:-.build/release/lunapipe}
FULL=${2:-Samples/full}
RUNS=${RUNS:-3}
THREADS=${THREADS:-2}
REGION=${REGION:-1081}
WORK=${TMPDIR:-/tmp}/lunapipe-bench
mkdir -p "$WORK"
CLAIMS=("$FULL"/ydelser-*.csv)
BYTES=$(cat "${CLAIMS[@]}" | wc -c)
LINES=$(cat "${CLAIMS[@]}" | wc -l)
cat "${CLAIMS[@]}" "$FULL/ydere.csv" "$FULL/befolkning-folk1a.csv" > /dev/null  # warm the page cache

run_one() { # label threads extra-args...
  local label=$1 threads=$2; shift 2
  # One output directory per configuration: the volume guard (rightly)
  # stops a run with other inputs than the last one into the same directory.
  /usr/bin/time -f "%e %M" -o "$WORK/time" "$BIN" run praksisplan --claims "${CLAIMS[@]}" "$@" \
    --region "$REGION" --out "$WORK/out-$label-$threads" --threads "$threads" --force --quiet --no-incremental
  cat "$WORK/time" >> "$WORK/times-$label-$threads"
}

report() { # label threads -> prints a line, leaves the median in last-label-threads
  local label=$1 threads=$2 f="$WORK/times-$1-$2"
  local med rss
  med=$(cut -d' ' -f1 "$f" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  rss=$(cut -d' ' -f2 "$f" | sort -g | tail -1)
  awk -v l="$label" -v t="$threads" -v w="$med" -v b="$BYTES" -v n="$LINES" -v r="$rss" 'BEGIN {
    printf "%-12s threads=%d  %6.2f s  %9.0f lines/s  %6.1f MB/s  peak RSS %5.0f MB  (%d claim lines, %.0f MB)\n",
      l, t, w, n / w, b / w / 1e6, r / 1024, n, b / 1e6 }'
  echo "$med" > "$WORK/last-$label-$threads"
}

ALL=(--ydere "$FULL/ydere.csv" --befolkning "$FULL/befolkning-folk1a.csv")
rm -f "$WORK"/times-*
run_one claims 1 && run_one claims "$THREADS" && run_one all "$THREADS" "${ALL[@]}"  # warm-up
rm -f "$WORK"/times-*
for _ in $(seq "$RUNS"); do
  run_one claims 1
  run_one claims "$THREADS"
  run_one all "$THREADS" "${ALL[@]}"
done
echo "lunapipe praksisplan benchmark ($(nproc) cores, $RUNS runs each after a warm-up, alternating, median wall time)"
report claims 1
report claims "$THREADS"
report all "$THREADS"
awk -v a="$(cat "$WORK/last-claims-1")" -v b="$(cat "$WORK/last-claims-$THREADS")" -v t="$THREADS" \
  'BEGIN { printf "speed-up %d threads vs 1 (claims alone): %.2fx\n", t, a / b }'
awk -v a="$(cat "$WORK/last-all-$THREADS")" -v b="$(cat "$WORK/last-claims-$THREADS")" \
  'BEGIN { printf "all inputs / claims alone (%s threads): %.2f\n", "'"$THREADS"'", a / b }'
# The same ratio run by run (each all-inputs run against the claims-alone
# run just before it), median: a slow spell shifts both runs of a round.
paste -d' ' <(cut -d' ' -f1 "$WORK/times-all-$THREADS") <(cut -d' ' -f1 "$WORK/times-claims-$THREADS") |
  awk '{ print $1 / $2 }' | sort -g |
  awk '{ a[NR] = $1 } END { printf "all inputs / claims alone, median of the %d rounds'"'"' ratios: %.2f\n", NR, a[int((NR + 1) / 2)] }'
