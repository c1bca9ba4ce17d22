#!/usr/bin/env bash
# make bench-incremental: incremental runs of claims-summary (issue 25) on
# the peer benchmark's national file cut into its 60 months (once, into
# WORK/months). In order, each a whole `lunapipe run` process:
#   first     59 months, no state kept yet: every file scanned, states written
#   add       the 60th month added
#   replace   one month replaced by a corrected copy (its last line's Antal + 1)
#   remove    one month removed
# After each step a full run over the same files (--no-incremental, its own
# output and state folders) is timed too, and the outputs compared byte by
# byte (aggregates.csv, growth.csv, rejects.csv). Prints wall and CPU
# seconds, peak RSS, each step's time over the full run's, and the state's
# size against the input's. RUNS repeats the add/replace/remove cycle (the
# full run's median is the reference).
#
#   Benchmarks/incremental.sh [BIN]
#   NATIONAL=file THREADS=1 Benchmarks/incremental.sh
set -euo pipefail
BIN=${1:-${BIN:-.build/release/lunapipe}}
NATIONAL=${NATIONAL:-.build/peerbench/national.csv}
WORK=${WORK:-.build/bench-incremental}
THREADS=${THREADS:-2}
if [ ! -f "$NATIONAL" ]; then
  echo "bench-incremental: no national file at $NATIONAL (make bench-peers SIZES=national writes it; or set NATIONAL=FILE)" >&2
  exit 2
fi
WORK=$(mkdir -p "$WORK" && cd "$WORK" && pwd)
MONTHS="$WORK/months"
if [ ! "$MONTHS/.complete" -nt "$NATIONAL" ]; then
  echo "cutting $NATIONAL into its months (once) ..."
  rm -rf "$MONTHS" && mkdir -p "$MONTHS"
  # One file per Aar;Maaned, each with the header. A record never spans
  # lines in the national file (no quoted line break), checked here.
  if grep -q '"' "$NATIONAL"; then echo "bench-incremental: the national file has quotes; cut it otherwise" >&2; exit 2; fi
  awk -F';' -v d="$MONTHS" 'NR==1{h=$0;next} {f=sprintf("%s/claims-%s-%02d.csv",d,$1,$2); if(!(f in s)){s[f]=1; print h > f} print > f}' "$NATIONAL"
  touch "$MONTHS/.complete"
fi
mapfile -t all < <(ls "$MONTHS"/claims-*.csv)
n=${#all[@]}
echo "$n monthly files, $(du -cb "${all[@]}" | tail -1 | cut -f1) bytes"

IN="$WORK/in"; INC="$WORK/inc"; FULL="$WORK/full"
rm -rf "$IN" "$INC" "$FULL"; mkdir -p "$IN" "$INC" "$FULL"
for ((i = 0; i < n - 1; i++)); do ln "${all[$i]}" "$IN/"; done

t=$(mktemp)
measure() { # label dir extra-args... -> prints a line, sets WALL
  local label=$1 dir=$2; shift 2
  /usr/bin/time -f "%e %U %S %M" -o "$t" "$BIN" run claims-summary --claims "$IN/*.csv" --out "$dir/out" \
    --threads "$THREADS" --force --quiet "$@"
  read -r WALL user sys rss < "$t"
  CPU=$(echo "$user + $sys" | bc)
  RSS=$((rss / 1024))
}
report() { # step
  local step=$1 files bytes
  files=$(ls "$IN" | wc -l)
  bytes=$(du -cb "$IN"/*.csv | tail -1 | cut -f1)
  measure inc "$INC"
  local iw=$WALL ic=$CPU ir=$RSS
  measure full "$FULL" --no-incremental
  local fw=$WALL fc=$CPU fr=$RSS
  local same=identical
  for f in aggregates.csv growth.csv rejects.csv; do
    cmp -s "$INC/out/$f" "$FULL/out/$f" || same="DIFFERENT ($f)"
  done
  local state reused scanned
  state=$(python3 -c "import json,sys; r=json.load(open('$INC/out/run-report.json'))['incremental']; print(r['stateBytes'], r['reusedFiles'], r['scannedFiles'])")
  read -r state reused scanned <<< "$state"
  printf "%-8s %2d files  incremental %6.2f s wall %6.2f s CPU %5d MB | full %6.2f s wall %6.2f s CPU %5d MB | %.3f x full | reused %2d scanned %2d | state %d MB = %.1f %% of %d MB | %s\n" \
    "$step" "$files" "$iw" "$ic" "$ir" "$fw" "$fc" "$fr" "$(echo "$iw / $fw" | bc -l)" "$reused" "$scanned" \
    $((state / 1000000)) "$(echo "100 * $state / $bytes" | bc -l)" $((bytes / 1000000)) "$same"
}
echo "claims-summary, $THREADS threads, whole processes (wall, CPU = user + sys, peak RSS)"
report first
ln "${all[$((n - 1))]}" "$IN/"
report add
# A corrected copy of a month in the middle: its last line's Antal one more.
mid=$(basename "${all[$((n / 2))]}")
rm "$IN/$mid"
awk -F';' -v OFS=';' -v last="$(wc -l < "$MONTHS/$mid")" 'NR==last{$6=$6+1} {print}' "$MONTHS/$mid" > "$IN/$mid"
report replace
rm "$IN/$(basename "${all[3]}")"
report remove
rm -f "$t"
