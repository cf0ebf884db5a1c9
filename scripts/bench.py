#!/usr/bin/env python3
"""The benchmark (README, "Benchmark"), run by scripts/bench.sh with a release binary and a
PostgreSQL server of its own.

For each size and engine: generate the demo data, time the floor (one GROUP BY scan of each
raw table, warm: the least any materialization must read), then a full materialization, the
checks (each check's own time from the JSON report), a whole `idhealth run --mode table`, and
an incremental run over the newest 1 % of rows. Every figure is seconds and a multiple of the
floor measured on the same engine and data, with the peak RSS of the idhealth process (GNU
time's %M: Linux carries a process's peak RSS across fork and exec, so wait4 from this Python
process would report at least this process's own size). Timed steps run IDHEALTH_BENCH_RUNS times (default 1); the medians are
reported. Prints a Markdown table and writes everything as JSON.

A size takes hours on SQLite at 5M profiles, longer than a working session. Each step's
figures go to OUTPUT.partial.json as they are measured, with the binary's SHA-256 and the data
file; IDHEALTH_BENCH_RESUME=THAT.partial.json (one engine, one size, run with the same binary:
IDHEALTH_BENCH_BINARY) measures only the steps it lacks, on the same data, and refuses
another binary or data that changed.

IDHEALTH_BENCH_STEPS (comma-separated among full, check, run, incremental; default all) measures
only those steps besides generate and the floor, so one missing figure can be measured alone on
freshly generated data (a seed writes the same rows); scripts/bench-merge.py then adds it to the
row it completes, each step keeping the SHA-256 and floor of the run that measured it. The
incremental step also times the full rebuild it starts from (the raw tables without the newest
1 %), so its percentage compares two runs of one binary on one data file.
"""

import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import hashlib
import importlib.util

# The README's tables are printed by the merge script's code, so the two cannot disagree.
_spec = importlib.util.spec_from_file_location("bench_merge", os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench-merge.py"))
bench_merge = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_merge)

BIN = os.environ["IDHEALTH_BIN"]
PG_URL = os.environ["IDHEALTH_PG_URL"]
PSQL = os.path.join(os.environ["PG_BIN"], "psql")
RUNS = int(os.environ.get("IDHEALTH_BENCH_RUNS", "1"))
RAW_TABLES = ["id_graph_updates", "external_id_mapping_updates", "profile_traits_updates"]
WORK = tempfile.mkdtemp(prefix="idhealth-bench-")
RESUME = os.environ.get("IDHEALTH_BENCH_RESUME")
ALL_STEPS = ["full", "check", "run", "incremental"]
STEPS = os.environ.get("IDHEALTH_BENCH_STEPS", ",".join(ALL_STEPS)).split(",")
if not set(STEPS) <= set(ALL_STEPS):
    sys.exit(f"IDHEALTH_BENCH_STEPS: {','.join(sorted(set(STEPS) - set(ALL_STEPS)))} is not among {','.join(ALL_STEPS)}")


def binary_sha256():
    digest = hashlib.sha256()
    with open(BIN, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def idhealth(*arguments, ok=(0, 1)):
    """Runs idhealth; returns (seconds, peak RSS in MB, stdout)."""
    out = open(os.path.join(WORK, "out"), "w+")
    rss = os.path.join(WORK, "rss")
    start = time.perf_counter()
    # In a folder of its own: an idhealth.yml or a checks/ folder where the benchmark was
    # started (this repository's own checks/, edited since the binary was built) must not
    # change what is measured.
    process = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss, BIN, *arguments], stdout=out, stderr=subprocess.PIPE,
                             stdin=subprocess.DEVNULL, cwd=WORK)
    seconds = time.perf_counter() - start
    out.seek(0)
    stdout = out.read()
    if process.returncode not in ok:
        sys.exit(f"idhealth {' '.join(arguments)} exited {process.returncode}:\n{process.stderr.decode()}\n{stdout}")
    kibibytes = int(open(rss).read().split()[-1])
    return seconds, kibibytes / 1024, stdout


class SQLiteEngine:
    name = "sqlite"

    def __init__(self, size, path=None):
        self.path = path or os.path.join(WORK, f"bench-{size}.sqlite")
        self.arguments = ["--database", self.path]

    def sql(self, text):
        with sqlite3.connect(self.path) as connection:
            rows = connection.execute(text).fetchall()
        return rows

    def timed(self, text):
        with sqlite3.connect(self.path) as connection:
            start = time.perf_counter()
            connection.execute(text).fetchall()
            return time.perf_counter() - start


class PostgresEngine:
    name = "postgres"

    def __init__(self, size, path=None):
        self.schema = f"bench_{size}"
        self.arguments = ["--database", PG_URL, "--source-schema", self.schema]

    def psql(self, *commands):
        arguments = [PSQL, PG_URL, "-qAtX", "-v", "ON_ERROR_STOP=1", "-c", f"SET search_path TO {self.schema}"]
        for command in commands:
            arguments += ["-c", command]
        return subprocess.run(arguments, check=True, capture_output=True, text=True).stdout

    def sql(self, text):
        return [tuple(line.split("|")) for line in self.psql(text).splitlines() if line]

    def timed(self, text):
        output = self.psql("\\timing on", text)
        times = [float(line.split()[1]) for line in output.splitlines() if line.startswith("Time: ")]
        return times[-1] / 1000


def floor(engine):
    """One GROUP BY scan of each raw table, warm (the second of two runs), summed."""
    total = 0.0
    for table in RAW_TABLES:
        query = f'SELECT COUNT(*), SUM(m) FROM (SELECT segment_id, MAX(seq) AS m FROM "{table}" GROUP BY 1) s'
        engine.timed(query)
        total += engine.timed(query)
    return total


def median_run(arguments):
    results = [idhealth(*arguments) for _ in range(RUNS)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results), results[-1][2]


def checkpoint(row):
    """Writes the steps measured so far beside the output (OUTPUT.partial.json), so a run that
    stops early (killed, or a step that fails) still leaves what it measured."""
    output = os.environ.get("IDHEALTH_BENCH_JSON", "bench/latest.json")
    with open(output + ".partial.json", "w") as file:
        json.dump(row, file, indent=2, sort_keys=True)


def raw_rows(engine):
    return {table: int(engine.sql(f'SELECT COUNT(*) FROM "{table}"')[0][0]) for table in RAW_TABLES}


def measure(engine, size, previous=None):
    """One engine at one size; `previous` is a partial row of the same binary and data to
    complete (IDHEALTH_BENCH_RESUME)."""
    row = previous or {"engine": engine.name, "profiles": size, "binary_sha256": binary_sha256(),
                       "data": getattr(engine, "path", None)}
    if previous:
        # A run stopped while it held the newest rows back (below) left them in held_*.
        held = {name for (name,) in engine.sql("SELECT name FROM sqlite_master WHERE name LIKE 'held!_%' ESCAPE '!'")} if engine.name == "sqlite" else set()
        for table in RAW_TABLES:
            if f"held_{table}" in held:
                engine.sql(f'INSERT INTO "{table}" SELECT * FROM "held_{table}"')
                engine.sql(f'DROP TABLE "held_{table}"')
        if raw_rows(engine) != previous["raw_rows"]:
            sys.exit(f"{engine.path}: its raw tables are not the ones the partial run measured")
        row.setdefault("resumed_at", []).append(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    if "generate" not in row:
        seconds, rss, _ = idhealth("generate", *engine.arguments, "--profiles", str(size), "--replace")
        row["generate"] = {"seconds": seconds, "peak_rss_mb": rss}
        checkpoint(row)
        row["raw_rows"] = raw_rows(engine)
        checkpoint(row)
    if "floor_seconds" not in row:
        row["floor_seconds"] = floor(engine)
        checkpoint(row)

    if "materialize_full" not in row and "full" in STEPS:
        seconds, rss, _ = median_run(["materialize", *engine.arguments, "--mode", "table"])
        row["materialize_full"] = {"seconds": seconds, "peak_rss_mb": rss}
        checkpoint(row)
    report = os.path.join(WORK, "reports")
    if "check" not in row and "check" in STEPS:
        # Checks read the materialized tables: a resumed run builds them again first.
        if previous:
            idhealth("materialize", *engine.arguments, "--mode", "table")
        seconds, rss, _ = median_run(["check", *engine.arguments, "--output", report, "--no-history"])
        checks = json.load(open(os.path.join(report, "identity-health.json")))["checks"]
        row["check"] = {"seconds": seconds, "peak_rss_mb": rss, "by_check": {c["id"]: c["duration_ms"] / 1000 for c in checks}}
        checkpoint(row)
    if "run_table" not in row and "run" in STEPS:
        seconds, rss, _ = median_run(["run", *engine.arguments, "--mode", "table", "--output", report, "--no-history"])
        row["run_table"] = {"seconds": seconds, "peak_rss_mb": rss}
        checkpoint(row)

    if "incremental" not in STEPS:
        return row
    # The newest 1 % of each raw table (by uuid_ts) lands after a full rebuild without it.
    total = int(engine.sql('SELECT COUNT(*) FROM "id_graph_updates"')[0][0])
    cutoff = engine.sql(f'SELECT uuid_ts FROM "id_graph_updates" ORDER BY uuid_ts DESC LIMIT 1 OFFSET {total // 100}')[0][0]
    incremental, rebuild, rss_incremental, new_rows = [], [], 0.0, 0
    for _ in range(RUNS):
        for table in RAW_TABLES:
            engine.sql(f'DROP TABLE IF EXISTS "held_{table}"')
            engine.sql(f'CREATE TABLE "held_{table}" AS SELECT * FROM "{table}" WHERE uuid_ts > \'{cutoff}\'')
            engine.sql(f'DELETE FROM "{table}" WHERE uuid_ts > \'{cutoff}\'')
        rebuild.append(idhealth("materialize", *engine.arguments, "--mode", "table")[0])
        new_rows = 0
        for table in RAW_TABLES:
            engine.sql(f'INSERT INTO "{table}" SELECT * FROM "held_{table}"')
            new_rows += int(engine.sql(f'SELECT COUNT(*) FROM "held_{table}"')[0][0])
            engine.sql(f'DROP TABLE "held_{table}"')
        seconds, rss, out = idhealth("materialize", *engine.arguments, "--mode", "incremental")
        if "mode: incremental;" not in out:
            sys.exit(f"the incremental run rebuilt everything:\n{out}")
        incremental.append(seconds)
        rss_incremental = max(rss_incremental, rss)
    row["materialize_incremental"] = {"seconds": statistics.median(incremental), "peak_rss_mb": rss_incremental, "new_rows": new_rows,
                                      "rebuild_seconds": statistics.median(rebuild)}
    checkpoint(row)
    return row


def main():
    sizes = [int(s) for s in sys.argv[1:]] or [100_000, 1_000_000, 5_000_000]
    engines = os.environ.get("IDHEALTH_BENCH_ENGINES", "sqlite,postgres").split(",")
    rows = []
    if "postgres" in engines:
        # pgcrypto gives PostgreSQL its SHA-1: without it external_id_hash is skipped, untimed.
        subprocess.run([PSQL, PG_URL, "-qX", "-v", "ON_ERROR_STOP=1", "-c", "CREATE EXTENSION IF NOT EXISTS pgcrypto"], check=True)
    previous = None
    if RESUME:
        previous = json.load(open(RESUME))
        if previous.get("binary_sha256") != binary_sha256():
            sys.exit(f"{RESUME} was measured with another binary (SHA-256 {previous.get('binary_sha256')}): set IDHEALTH_BENCH_BINARY to that one")
        if [previous["engine"]] != engines or [previous["profiles"]] != sizes:
            sys.exit(f"{RESUME} is {previous['engine']} at {previous['profiles']} profiles: run exactly that (IDHEALTH_BENCH_ENGINES, sizes)")
        if previous.get("data") and not os.path.exists(previous["data"]):
            sys.exit(f"{RESUME}: its data file {previous['data']} is gone")
    for size in sizes:
        for name in engines:
            path = previous.get("data") if previous else None
            engine = SQLiteEngine(size, path) if name == "sqlite" else PostgresEngine(size)
            print(f"… {name} at {size} profiles{' (resumed)' if previous else ''}", file=sys.stderr, flush=True)
            rows.append(measure(engine, size, previous))
            if name == "sqlite":
                for suffix in ["", "-wal", "-shm"]:
                    if os.path.exists(engine.path + suffix):
                        os.remove(engine.path + suffix)
    machine = {"cpus": os.cpu_count(), "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30),
               "system": platform.platform(), "sqlite": sqlite3.sqlite_version,
               "postgres": subprocess.run([PSQL, PG_URL, "-qAtX", "-c", "SHOW server_version"], capture_output=True, text=True).stdout.strip()}
    result = {"measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "runs": RUNS, "machine": machine, "rows": rows}
    output = os.environ.get("IDHEALTH_BENCH_JSON", "bench/latest.json")
    os.makedirs(os.path.dirname(output) or ".", exist_ok=True)
    with open(output, "w") as file:
        json.dump(result, file, indent=2, sort_keys=True)
        file.write("\n")
    print(bench_merge.tables(result["rows"]))


if __name__ == "__main__":
    main()
