#!/usr/bin/env bash
# make bench-scale: how claims-summary's cost grows with the input. Runs it
# on the first 5, 10, 20 and 40 M lines of the peer benchmark's national file
# (written once into WORK, header kept; the 40 M file is the national file
# itself) and prints, per size, median wall seconds of RUNS runs, seconds
# per million lines and peak RSS. The per-line cost should not grow with
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

echo "claims-summary cost by input size ($THREADS threads, $RUNS runs each, median wall time)"
printf '| %8s | %8s | %10s | %9s |\n' "lines" "wall s" "s / M lines" "peak RSS"
printf '|%s|%s|%s|%s|\n' "---------:" "---------:" "------------:" "----------:"
for m in $SIZES; do
  f=$(file_of "$m")
  lines=$(( $(wc -l < "$f") - 1 ))
  cat "$f" > /dev/null  # warm the page cache
  rm -f "$WORK/times"
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M" -o "$WORK/time" "$BIN" run claims-summary --claims "$f" --out "$WORK/out-${m}M" \
      --threads "$THREADS" --force --quiet
    cat "$WORK/time" >> "$WORK/times"
  done
  w=$(cut -d' ' -f1 "$WORK/times" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  r=$(cut -d' ' -f2 "$WORK/times" | sort -g | tail -1)
  awk -v n="$lines" -v w="$w" -v r="$r" 'BEGIN {
    printf "| %8.1fM | %8.2f | %12.3f | %6.0f MB |\n", n / 1e6, w, w / (n / 1e6), r / 1024 }'
done
