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
from compiled_files import arguments, run_phases, sql_loader, table_result, write_result, StatementFailed, TABLES

DUCKDB_TYPES = {"time": "TIMESTAMPTZ", "integer": "BIGINT", "real": "DOUBLE", "text": "VARCHAR"}


def main():
    sqlite_file, phases, source, target, output = arguments(__doc__)
    connection = connect()
    connection.execute(f'CREATE SCHEMA IF NOT EXISTS "{source}"')

    create_table, insert_rows = sql_loader(connection, source, DUCKDB_TYPES, "?")

    def execute(statement):
        # One GoogleSQL statement may become several in DuckDB; the last one's rows are its rows.
        cursor = None
        for duck in translated(statement):
            cursor = connection.execute(duck)
        return cursor

    try:
        verdicts = run_phases(sqlite_file, phases, create_table, insert_rows, execute)
    except StatementFailed as failure:
        print(failure, file=sys.stderr)
        return 1
    result = {"verdicts": verdicts}
    for table in TABLES:
        cursor = connection.execute(f'SELECT * FROM "{target}"."{table}"')
        result[table] = table_result(cursor.description, cursor.fetchall())
    write_result(result, output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
