#!/usr/bin/env bash
# Incremental benchmark (README, "Benchmark"): release build; for each engine, generate the
# demo data once and hold back the rows that landed last (PERCENT of each raw table, by
# uuid_ts). Then, RUNS times: a full rebuild without them (`--mode table`), land them, an
# incremental run, and take them out again. Prints the medians and what each run read and
# wrote.
# Usage: scripts/bench-incremental.sh [PROFILES] [PERCENT]   (default: 100000 1)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/throwaway-postgres.sh

size=${1:-100000}
percent=${2:-1}
runs=${IDHEALTH_BENCH_RUNS:-3}
raw_tables=(id_graph_updates external_id_mapping_updates profile_traits_updates)

install_missing_packages
command -v sqlite3 >/dev/null 2>&1 || { [ "$(id -u)" -eq 0 ] && apt-get install -y -qq sqlite3 >/dev/null || sudo apt-get install -y -qq sqlite3 >/dev/null; }
swift build -c release --product idhealth >/dev/null
bin=$(swift build -c release --show-bin-path)/idhealth
IDHEALTH_PG_OPTIONS="-c shared_buffers=1GB -c work_mem=256MB -c maintenance_work_mem=1GB" start_throwaway_postgres
work=$(mktemp -d /tmp/idhealth-bench.XXXXXX)
trap 'stop_throwaway_postgres; rm -rf "$work"' EXIT

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
# Runs idhealth, keeps its output in $work/out, prints the seconds it took.
timed() { local start end; start=$(date +%s.%N); "$bin" "$@" >"$work/out"; end=$(date +%s.%N); awk "BEGIN { print $end - $start }"; }
# "written" column of a table in the last output, and the rows read of all raw tables.
written() { awk -v t="$1" '$1 == t { print $2 }' "$work/out"; }
read_rows() { sed -n 's/.*read: //p' "$work/out" | awk -F', ' '{ s = 0; for (i = 1; i <= NF; i++) { n = split($i, p, " "); s += p[n] } print s }'; }

printf '| engine | profiles | new rows | full rebuild s | incremental s | incremental / full | rows read full / incr | rows written full / incr |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n'
for engine in sqlite postgres; do
  if [ "$engine" = sqlite ]; then
    db="$work/bench-$size.sqlite"; args=(--database "$db")
    sql() { sqlite3 "$db" "$1"; }
    q() { printf '"%s"' "$1"; }
  else
    schema="bench_$size"; args=(--database "$IDHEALTH_PG_URL" --source-schema "$schema")
    sql() { "$PG_BIN/psql" "$IDHEALTH_PG_URL" -qAtX -v ON_ERROR_STOP=1 -c "SET search_path TO $schema" -c "$1"; }
    q() { printf '"%s"' "$1"; }
  fi
  "$bin" generate "${args[@]}" --profiles "$size" --replace >/dev/null
  total=$(sql "SELECT COUNT(*) FROM id_graph_updates")
  cutoff=$(sql "SELECT uuid_ts FROM id_graph_updates ORDER BY uuid_ts DESC LIMIT 1 OFFSET $(( total * percent / 100 ))")
  new_rows=0
  for table in "${raw_tables[@]}"; do
    sql "CREATE TABLE $(q "held_$table") AS SELECT * FROM $(q "$table") WHERE uuid_ts > '$cutoff'"
    sql "DELETE FROM $(q "$table") WHERE uuid_ts > '$cutoff'"
    new_rows=$(( new_rows + $(sql "SELECT COUNT(*) FROM $(q "held_$table")") ))
  done
  fulls=(); incrementals=()
  for _ in $(seq "$runs"); do
    fulls+=("$(timed materialize "${args[@]}" --mode table)")
    full_read=$(read_rows); full_written=$(( $(written id_graph) + $(written external_id_mapping) + $(written profile_traits) ))
    for table in "${raw_tables[@]}"; do sql "INSERT INTO $(q "$table") SELECT * FROM $(q "held_$table")"; done
    incrementals+=("$(timed materialize "${args[@]}" --mode incremental)")
    grep -q "mode: incremental;" "$work/out" || { echo "the incremental run rebuilt everything:" >&2; cat "$work/out" >&2; exit 1; }
    incr_read=$(read_rows); incr_written=$(( $(written id_graph) + $(written external_id_mapping) + $(written profile_traits) ))
    for table in "${raw_tables[@]}"; do sql "DELETE FROM $(q "$table") WHERE uuid_ts > '$cutoff'"; done
  done
  full=$(median "${fulls[@]}"); incremental=$(median "${incrementals[@]}")
  printf '| %s | %s | %s | %.1f | %.2f | %.1f %% | %s / %s | %s / %s |\n' "$engine" "$size" "$new_rows" "$full" "$incremental" \
    "$(awk "BEGIN { print 100 * $incremental / $full }")" "$full_read" "$incr_read" "$full_written" "$incr_written"
done
