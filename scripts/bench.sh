#!/usr/bin/env bash
# The benchmark (README, "Benchmark"): builds the release binary, starts a PostgreSQL server
# of its own, and runs scripts/bench.py, which times generate, the floor, full and incremental
# materialization, each check and a whole run per engine and size, as seconds and multiples
# of the floor with idhealth's peak RSS, prints a Markdown table and writes bench/latest.json.
# Usage: scripts/bench.sh [PROFILES ...]   (default: 100000 1000000 5000000)
# Environment: IDHEALTH_BENCH_RUNS (repeats of each timed step, medians; default 1),
# IDHEALTH_BENCH_ENGINES (default sqlite,postgres), IDHEALTH_BENCH_JSON (default bench/latest.json),
# IDHEALTH_BENCH_RESUME (a partial run's OUTPUT.partial.json to complete) with
# IDHEALTH_BENCH_BINARY (the binary it was measured with).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/throwaway-postgres.sh

install_missing_packages
# GNU time measures idhealth's peak RSS.
[ -x /usr/bin/time ] || { [ "$(id -u)" -eq 0 ] && apt-get install -y -qq time >/dev/null || sudo apt-get install -y -qq time >/dev/null; }
export IDHEALTH_BIN
if [ -n "${IDHEALTH_BENCH_BINARY:-}" ]; then
  # A binary kept from an earlier run, to complete its partial figures (IDHEALTH_BENCH_RESUME).
  IDHEALTH_BIN=$IDHEALTH_BENCH_BINARY
else
  swift build -c release --static-swift-stdlib --product idhealth >/dev/null
  IDHEALTH_BIN=$(swift build -c release --show-bin-path)/idhealth
fi
IDHEALTH_PG_OPTIONS="-c shared_buffers=1GB -c work_mem=256MB -c maintenance_work_mem=1GB" start_throwaway_postgres
export IDHEALTH_PG_URL PG_BIN
python3 scripts/bench.py "$@"
