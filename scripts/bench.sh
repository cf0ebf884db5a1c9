#!/usr/bin/env bash
# Benchmark: release build; for each size and engine, generate the demo data once, then
# time a full materialization and a check run several times and print the medians.
# Usage: scripts/bench.sh [PROFILES ...]   (default: 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/throwaway-postgres.sh

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100000)
runs=${IDHEALTH_BENCH_RUNS:-3}

install_missing_packages
swift build -c release --product idhealth >/dev/null
bin=$(swift build -c release --show-bin-path)/idhealth
IDHEALTH_PG_OPTIONS="-c shared_buffers=1GB -c work_mem=256MB -c maintenance_work_mem=1GB" start_throwaway_postgres
work=$(mktemp -d /tmp/idhealth-bench.XXXXXX)
trap 'stop_throwaway_postgres; rm -rf "$work"' EXIT

# Seconds a command takes; a check that finds failures (exit 1) still counts.
seconds() { local start end; start=$(date +%s.%N); "$@" >/dev/null || true; end=$(date +%s.%N); awk "BEGIN { print $end - $start }"; }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

printf '| engine | profiles | raw rows | generate s | materialize s (median of %s) | check s (median of %s) |\n| --- | ---: | ---: | ---: | ---: | ---: |\n' "$runs" "$runs"
for size in "${sizes[@]}"; do
  for engine in sqlite postgres; do
    if [ "$engine" = sqlite ]; then db="$work/bench-$size.sqlite"; args=(--database "$db"); else args=(--database "$IDHEALTH_PG_URL" --source-schema "bench_$size"); fi
    gen=$(seconds "$bin" generate "${args[@]}" --profiles "$size" --replace)
    mats=(); checks=()
    for _ in $(seq "$runs"); do
      mats+=("$(seconds "$bin" materialize "${args[@]}" --mode table)")
      checks+=("$(seconds "$bin" check "${args[@]}" --output "$work/reports")")
    done
    raw=$("$bin" materialize "${args[@]}" --mode table | sed -n 's/.*read: //p')
    printf '| %s | %s | %s | %.1f | %.1f | %.1f |\n' "$engine" "$size" "$raw" "$gen" "$(median "${mats[@]}")" "$(median "${checks[@]}")"
  done
done
