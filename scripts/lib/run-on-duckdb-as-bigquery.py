#!/usr/bin/env python3
"""Runs `idhealth compile --dialect bigquery` files on DuckDB, for the test suite.

Usage: run-on-duckdb-as-bigquery.py SQLITE_FILE COMPILED_DIR SOURCE_SCHEMA TARGET_SCHEMA OUTPUT_JSON [FIRST_DIR LANDED_BY]

There is no BigQuery that runs locally. Each compiled statement is parsed as GoogleSQL by
sqlglot (its BigQuery dialect; a statement it cannot parse fails the run) and translated
by sqlglot to DuckDB, which runs it: the way the DuckDB-backed BigQuery emulators on PyPI
work, without their REST server. What this proves is that the statements are GoogleSQL as
sqlglot reads it and that, so read, they compute the same tables as SQLite; not that
BigQuery itself accepts every one (its quotas, its limits on recursion and DML, its type
checks are not emulated).

The raw Profiles Sync tables are copied from the SQLite file (its `main` schema) into
SOURCE_SCHEMA, with BigQuery's types for the SQLite declared types (times as TIMESTAMP, read
in UTC); every statement of the compiled files runs in file order; then every column but
etl_ts of id_graph, external_id_mapping and profile_traits in TARGET_SCHEMA is written to
OUTPUT_JSON as text, for the test to compare with SQLite's own tables. A statement that fails
stops the script with exit 1, naming the file and the statement. With FIRST_DIR, the raw rows
landed by LANDED_BY are loaded and FIRST_DIR's files run first (a table-mode compile), then
the rest of the rows land and COMPILED_DIR's files run (an incremental compile).

The translation, and the two statements DuckDB is given in its own words, are in
bigquery_on_duckdb.py.
"""
import sys

from bigquery_on_duckdb import connect, translated
from compiled_files import arguments, compiled_statements, raw_tables, table_result, verdict, write_result, TABLES

DUCKDB_TYPES = {"time": "TIMESTAMPTZ", "integer": "BIGINT", "real": "DOUBLE", "text": "VARCHAR"}


def main():
    sqlite_file, phases, source, target, output = arguments(__doc__)
    connection = connect()
    connection.execute(f'CREATE SCHEMA IF NOT EXISTS "{source}"')
    verdicts = {}
    for number, (compiled, landing) in enumerate(phases):
        for table, columns, rows in raw_tables(sqlite_file, landing):
            if number == 0:
                definitions = ", ".join(f'"{name}" {DUCKDB_TYPES[kind]}' for name, kind in columns)
                connection.execute(f'CREATE TABLE "{source}"."{table}" ({definitions})')
            if rows:
                connection.executemany(f'INSERT INTO "{source}"."{table}" VALUES ({", ".join(["?"] * len(columns))})', rows)
        for file, statement, kind in compiled_statements(compiled):
            try:
                for duck in translated(statement):
                    cursor = connection.execute(duck)
                if kind != "step":
                    rows = cursor.fetchall()
                if kind == "verdict":
                    verdicts.update(verdict([column[0] for column in cursor.description], rows))
            except Exception as error:  # sqlglot's ParseError and UnsupportedError, duckdb's Error
                print(f"{file}: {str(error).splitlines()[0]}\n{statement}", file=sys.stderr)
                return 1
    result = {"verdicts": verdicts}
    for table in TABLES:
        cursor = connection.execute(f'SELECT * FROM "{target}"."{table}"')
        result[table] = table_result(cursor.description, cursor.fetchall())
    write_result(result, output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
