#!/usr/bin/env python3
"""Runs `idhealth compile --dialect snowflake` files on fakesnow, for the test suite.

Usage: run-on-fakesnow.py SQLITE_FILE COMPILED_DIR SOURCE_SCHEMA TARGET_SCHEMA OUTPUT_JSON

fakesnow (PyPI) emulates Snowflake's dialect on DuckDB through the Snowflake Python
connector. The raw Profiles Sync tables are copied from the SQLite file (its `main` schema)
into SOURCE_SCHEMA, with Snowflake types for the SQLite declared types; every statement of
the compiled files runs in file order; then every column but etl_ts of id_graph,
external_id_mapping and profile_traits in TARGET_SCHEMA is written to OUTPUT_JSON as text
(times as YYYY-MM-DD HH:MM:SS in UTC), for the test to compare with SQLite's own tables.
A statement that fails stops the script with exit 1, naming the file and the statement.

fakesnow has no `ALTER TABLE a SWAP WITH b`: the script runs that one statement as the three
renames the swap amounts to (a to a temporary name, b to a, the temporary name to b). Every
other statement runs as compiled.
"""
import datetime
import glob
import json
import os
import re
import sqlite3
import sys

import fakesnow
import snowflake.connector

RAW_TABLES = ["id_graph_updates", "external_id_mapping_updates", "profile_traits_updates"]
TABLES = ["id_graph", "external_id_mapping", "profile_traits"]


def snowflake_type(name, declared):
    declared = (declared or "").upper()
    if name in ("timestamp", "uuid_ts", "received_at"):
        return "TIMESTAMP_TZ"
    if "INT" in declared:
        return "BIGINT"
    if any(word in declared for word in ("REAL", "FLOA", "DOUB")):
        return "DOUBLE"
    return "TEXT"


def text(value):
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc)
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float) and value.is_integer():
        return str(value)
    return str(value)


def statements(path):
    """The statements of a compiled file: each ends with `;` at the end of a line, followed by
    a blank line and the next statement's comment, or by the end of the file."""
    body = open(path, encoding="utf-8").read()
    for chunk in re.split(r";\n(?=\n-- |\Z)", body):
        code = "\n".join(line for line in chunk.splitlines() if not line.startswith("--")).strip()
        if code:
            yield code


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
    if len(sys.argv) != 6:
        print(__doc__, file=sys.stderr)
        return 2
    sqlite_file, compiled, source, target, output = sys.argv[1:]
    raw = sqlite3.connect(sqlite_file)
    with fakesnow.patch():
        connection = snowflake.connector.connect(database="IDHEALTH", schema=source.upper())
        cursor = connection.cursor()
        cursor.execute(f'CREATE SCHEMA IF NOT EXISTS "{source.upper()}"')
        for table in RAW_TABLES:
            columns = raw.execute(f"SELECT name, type FROM pragma_table_info('{table}') ORDER BY cid").fetchall()
            definitions = ", ".join(f'"{name.upper()}" {snowflake_type(name, declared)}' for name, declared in columns)
            cursor.execute(f'CREATE TABLE "{source.upper()}"."{table.upper()}" ({definitions})')
            rows = raw.execute(f'SELECT * FROM "{table}"').fetchall()
            placeholders = ", ".join(["%s"] * len(columns))
            if rows:
                cursor.executemany(f'INSERT INTO "{source.upper()}"."{table.upper()}" VALUES ({placeholders})', rows)
        for path in sorted(glob.glob(os.path.join(compiled, "*.sql"))):
            for statement in statements(path):
                try:
                    run(cursor, statement)
                except Exception as error:  # the connector raises ProgrammingError and others
                    print(f"{os.path.basename(path)}: {str(error).splitlines()[0]}\n{statement}", file=sys.stderr)
                    return 1
        result = {}
        for table in TABLES:
            cursor.execute(f'SELECT * FROM "{target.upper()}"."{table.upper()}"')
            names = [column[0].lower() for column in cursor.description]
            keep = [index for index, name in enumerate(names) if name != "etl_ts"]
            result[table] = {"columns": [names[index] for index in keep],
                             "rows": [[text(row[index]) for index in keep] for row in cursor.fetchall()]}
    with open(output, "w", encoding="utf-8") as handle:
        json.dump(result, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
