#!/usr/bin/env python3
"""Merges the JSON of several benchmark invocations (scripts/bench.sh with IDHEALTH_BENCH_JSON,
one per engine or size, e.g. to run the engines side by side) into one file, rows ordered by
size then engine, and prints the README's two tables.

Usage: scripts/bench-merge.py OUTPUT.json INPUT.json ...   (OUTPUT may be among the inputs:
scripts/bench-merge.py bench/latest.json bench/latest.json new-row.json adds a row)
"""

import json
import sys

CHECKS = ["merge_chains", "merge_fan_in", "merged_profile_traits", "external_id_collisions", "identifier_limits",
          "blocked_values", "external_id_hash", "duplicate_rows", "freshness", "materialization_drift", "merge_rate_anomaly"]
RAW = ["id_graph_updates", "external_id_mapping_updates", "profile_traits_updates"]
ENGINES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
STEPS = ["materialize_full", "check", "run_table", "materialize_incremental"]


def main():
    output, inputs = sys.argv[1], sys.argv[2:]
    results = [json.load(open(path)) for path in inputs]
    # A later input's row for the same engine and size replaces an earlier one when it has
    # every step (or was measured by the same binary: a resumed run); else it completes the
    # earlier one: its steps replace the earlier row's (a resumed run, or a run of IDHEALTH_BENCH_STEPS measuring one
    # missing step). A step measured by another binary keeps that run's SHA-256, floor and data.
    latest = {}
    for result in results:
        for row in result["rows"]:
            key = (row["engine"], row["profiles"])
            earlier = latest.get(key)
            if earlier is None or set(STEPS) <= set(row) or earlier.get("binary_sha256") == row.get("binary_sha256"):
                latest[key] = row
                continue
            if row["raw_rows"] != earlier["raw_rows"]:
                sys.exit(f'{row["engine"]} at {row["profiles"]:,} profiles: the rows to merge were measured on other raw tables '
                         f'({row["raw_rows"]} against {earlier["raw_rows"]})')
            merged = dict(earlier)
            for step in STEPS:
                if step in row:
                    merged[step] = dict(row[step])
                    if row.get("binary_sha256") != earlier.get("binary_sha256"):
                        merged[step].update({"binary_sha256": row.get("binary_sha256"), "floor_seconds": row["floor_seconds"],
                                             "data": row.get("data"), "raw_rows": row["raw_rows"]})
            latest[key] = merged
    rows = sorted(latest.values(), key=lambda r: (r["profiles"], list(ENGINES).index(r["engine"])))
    # An input may itself be merged (its measured_at a list), so the README's file can take a new row.
    stamps = sorted(stamp for r in results for stamp in (r["measured_at"] if isinstance(r["measured_at"], list) else [r["measured_at"]]))
    merged = {"measured_at": stamps, "runs": results[0]["runs"], "machine": results[0]["machine"], "rows": rows}
    with open(output, "w") as file:
        json.dump(merged, file, indent=2, sort_keys=True)
        file.write("\n")
    print(tables(rows))


def tables(rows):
    lines = ["| engine | profiles | raw rows (id_graph / external_id / traits updates) | floor s | generate s | full materialize s (× floor) | check s (× floor) | run --mode table s (× floor) | incremental 1 % s (% of full) | peak RSS MB |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for row in rows:
        floor = row["floor_seconds"]

        def cell(step):
            if step not in row:
                return "not measured"
            return f'{row[step]["seconds"]:.1f} ({row[step]["seconds"] / floor:.0f}×)'
        rss = max(row[step]["peak_rss_mb"] for step in ["generate", "materialize_full", "check", "run_table", "materialize_incremental"] if step in row)
        incremental = row.get("materialize_incremental", {}).get("seconds")
        # The incremental run's own rebuild (the raw tables without the newest 1 %) where it was
        # timed, else the row's full materialization.
        base = row.get("materialize_incremental", {}).get("rebuild_seconds") or row.get("materialize_full", {}).get("seconds")
        raw = " / ".join(format(row["raw_rows"][t], ",") for t in RAW)
        lines.append(f'| {ENGINES[row["engine"]]} | {row["profiles"]:,} | {raw} | {floor:.1f} | '
                     f'{row["generate"]["seconds"]:.1f} | {cell("materialize_full")} | {cell("check")} | {cell("run_table")} | '
                     + (f'{incremental:.1f} ({100 * incremental / base:.0f} %)' if incremental is not None else "not measured yet")
                     + f' | {rss:.0f} |')
    lines += ["", "Seconds per check (the check step):", "",
              "| engine | profiles | " + " | ".join(CHECKS) + " |",
              "| --- | ---: |" + " ---: |" * len(CHECKS)]
    for row in (row for row in rows if "check" in row):
        lines.append(f'| {ENGINES[row["engine"]]} | {row["profiles"]:,} | ' + " | ".join(f'{row["check"]["by_check"].get(c, 0):.1f}' for c in CHECKS) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
