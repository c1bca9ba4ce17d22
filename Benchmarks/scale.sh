#!/usr/bin/env bash
# make bench-scale: how claims-summary's cost grows with the input. Runs it
# on the first 5, 10, 20 and 40 M lines of the peer benchmark's national file
# (written once into WORK, header kept; the 40 M file is the national file
# itself) and prints, per size, median wall seconds of RUNS runs (in rounds
# over every size), seconds per million lines, peak RSS, and how far each
# size's seconds per million lines lies from the largest input's, as
# measured and less the fixed cost of a run (a 1,000-line cut, same rounds). The per-line cost should not grow with
# the input (issue 14: within ±10 % from 5 to 40 M); memory grows only with
# the distinct patients.
#
#   Benchmarks/scale.sh [BIN]
#   NATIONAL=file SIZES="5 10" RUNS=1 THREADS=2 Benchmarks/scale.sh
set -euo pipefail
BIN=${1:-${BIN:-.build/release/lunapipe}}
NATIONAL=${NATIONAL:-.build/peerbench/national.csv}
WORK=${WORK:-.build/bench-scale}
SIZES=${SIZES:-5 10 20 40}
RUNS=${RUNS:-3}
THREADS=${THREADS:-2}
if [ ! -f "$NATIONAL" ]; then
  echo "bench-scale: no national file at $NATIONAL (make bench-peers SIZES=national writes it; or set NATIONAL=FILE)" >&2
  exit 2
fi
mkdir -p "$WORK"
have=$(( $(wc -l < "$NATIONAL") - 1 ))

file_of() { # millions -> path of a file with that many data lines
  local n=$(( $1 * 1000000 ))
  if [ "$n" -ge "$have" ]; then echo "$NATIONAL"; return; fi
  local f="$WORK/claims-$1M.csv"
  if [ ! "$f.complete" -nt "$NATIONAL" ]; then
    head -n $(( n + 1 )) "$NATIONAL" > "$f"
    touch "$f.complete"
  fi
  echo "$f"
}

echo "claims-summary cost by input size ($THREADS threads, $RUNS runs each, the sizes alternating run by run, median wall time)"
# Files first (cut once), then the runs in rounds over every size, so that
# a slow spell of a shared machine falls on all sizes rather than one.
declare -A FILE LINES
for m in $SIZES; do
  FILE[$m]=$(file_of "$m")
  LINES[$m]=$(( $(wc -l < "${FILE[$m]}") - 1 ))
  cat "${FILE[$m]}" > /dev/null  # warm the page cache
  rm -f "$WORK/times-$m"
done
# The fixed cost of a run (start-up, history, outputs, publish): the first
# 1,000 lines, in the same rounds.
FIXED_FILE="$WORK/claims-1000.csv"
[ "$FIXED_FILE.complete" -nt "$NATIONAL" ] || { head -n 1001 "$NATIONAL" > "$FIXED_FILE" && touch "$FIXED_FILE.complete"; }
rm -f "$WORK/times-fixed"
for _ in $(seq "$RUNS"); do
  /usr/bin/time -f "%e %M" -o "$WORK/time" "$BIN" run claims-summary --claims "$FIXED_FILE" --out "$WORK/out-fixed" \
    --threads "$THREADS" --force --quiet --no-incremental
  cat "$WORK/time" >> "$WORK/times-fixed"
  for m in $SIZES; do
    /usr/bin/time -f "%e %M" -o "$WORK/time" "$BIN" run claims-summary --claims "${FILE[$m]}" --out "$WORK/out-${m}M" \
      --threads "$THREADS" --force --quiet --no-incremental
    cat "$WORK/time" >> "$WORK/times-$m"
  done
done
median() { cut -d' ' -f1 "$1" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
fixed=$(median "$WORK/times-fixed")
printf '| %8s | %8s | %10s | %14s | %9s |\n' "lines" "wall s" "s / M lines" "less fixed" "peak RSS"
printf '|%s|%s|%s|%s|%s|\n' "---------:" "---------:" "------------:" "----------------:" "----------:"
rm -f "$WORK/per-million"
for m in $SIZES; do
  w=$(median "$WORK/times-$m")
  r=$(cut -d' ' -f2 "$WORK/times-$m" | sort -g | tail -1)
  awk -v n="${LINES[$m]}" -v w="$w" -v r="$r" -v f="$fixed" 'BEGIN {
    printf "| %8.1fM | %8.2f | %12.3f | %14.3f | %6.0f MB |\n", n / 1e6, w, w / (n / 1e6), (w - f) / (n / 1e6), r / 1024 }'
  awk -v n="${LINES[$m]}" -v w="$w" -v f="$fixed" 'BEGIN { printf "%.6f %.6f\n", w / (n / 1e6), (w - f) / (n / 1e6) }' >> "$WORK/per-million"
done
echo "fixed cost of a run (the first 1,000 lines): $fixed s"
# Issue 14's measure: each size's seconds per M lines against the largest's,
# as measured and less the fixed cost (what one more line costs).
awk -v fixed="$fixed" '{ v[NR] = $1; m[NR] = $2 } END {
  lo = 0; hi = 0; mlo = 0; mhi = 0
  for (i = 1; i <= NR; i++) {
    d = v[i] / v[NR] - 1; if (d < lo) lo = d; if (d > hi) hi = d
    d = m[i] / m[NR] - 1; if (d < mlo) mlo = d; if (d > mhi) mhi = d
  }
  printf "s per M lines against the largest input: %+.0f %% to %+.0f %%; less the fixed cost: %+.0f %% to %+.0f %%\n", lo * 100, hi * 100, mlo * 100, mhi * 100 }' "$WORK/per-million"
