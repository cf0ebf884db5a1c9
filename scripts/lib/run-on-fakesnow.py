#!/usr/bin/env python3
"""Runs `idhealth compile --dialect snowflake` files on fakesnow, for the test suite.

Usage: run-on-fakesnow.py SQLITE_FILE COMPILED_DIR SOURCE_SCHEMA TARGET_SCHEMA OUTPUT_JSON [FIRST_DIR LANDED_BY]

fakesnow (PyPI) emulates Snowflake's dialect on DuckDB through the Snowflake Python
connector. The raw Profiles Sync tables are copied from the SQLite file (its `main` schema)
into SOURCE_SCHEMA, with Snowflake types for the SQLite declared types; every statement of
the compiled files runs in file order; then every column but etl_ts of id_graph,
external_id_mapping and profile_traits in TARGET_SCHEMA is written to OUTPUT_JSON as text
(times as YYYY-MM-DD HH:MM:SS in UTC), for the test to compare with SQLite's own tables.
A statement that fails stops the script with exit 1, naming the file and the statement.
With FIRST_DIR, the raw rows landed by LANDED_BY are loaded and FIRST_DIR's files run first
(a table-mode compile), then the rest of the rows land and COMPILED_DIR's files run (an
incremental compile).

fakesnow has no `ALTER TABLE a SWAP WITH b`: the script runs that one statement as the three
renames the swap amounts to (a to a temporary name, b to a, the temporary name to b). Every
other statement runs as compiled.
"""
import re
import sys

import fakesnow
import snowflake.connector

from compiled_files import arguments, run_phases, sql_loader, table_result, write_result, StatementFailed, TABLES

SNOWFLAKE_TYPES = {"time": "TIMESTAMP_TZ", "integer": "BIGINT", "real": "DOUBLE", "text": "TEXT"}


SWAP = re.compile(r'^ALTER TABLE ("[^"]+")\.("[^"]+") SWAP WITH ("[^"]+")\.("[^"]+")$')


def run(cursor, statement):
    swap = SWAP.match(statement)
    if not swap:
        cursor.execute(statement)
        return
    schema, first, other_schema, second = swap.groups()
    cursor.execute(f'ALTER TABLE {schema}.{first} RENAME TO "IDHEALTH_SWAP_TMP"')
    cursor.execute(f'ALTER TABLE {other_schema}.{second} RENAME TO {first}')
    cursor.execute(f'ALTER TABLE {schema}."IDHEALTH_SWAP_TMP" RENAME TO {second}')


def main():
    sqlite_file, phases, source, target, output = arguments(__doc__)
    with fakesnow.patch():
        connection = snowflake.connector.connect(database="IDHEALTH", schema=source.upper())
        cursor = connection.cursor()
        cursor.execute(f'CREATE SCHEMA IF NOT EXISTS "{source.upper()}"')

        create_table, insert_rows = sql_loader(cursor, source, SNOWFLAKE_TYPES, "%s", name=str.upper)

        def execute(statement):
            run(cursor, statement)
            return cursor

        try:
            verdicts = run_phases(sqlite_file, phases, create_table, insert_rows, execute)
        except StatementFailed as failure:
            print(failure, file=sys.stderr)
            return 1
        result = {"verdicts": verdicts}
        for table in TABLES:
            cursor.execute(f'SELECT * FROM "{target.upper()}"."{table.upper()}"')
            result[table] = table_result(cursor.description, cursor.fetchall())
    write_result(result, output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
