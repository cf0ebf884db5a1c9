"""What the emulator runners of `idhealth compile` files share (run-on-fakesnow.py,
run-on-duckdb-as-bigquery.py): the raw tables read from a SQLite file, the statements of the
compiled files in order, and the materialized tables written out as text for the test suite
to compare with SQLite's own."""
import datetime
import glob
import json
import os
import re
import sqlite3
import sys

RAW_TABLES = ["id_graph_updates", "external_id_mapping_updates", "profile_traits_updates"]
TABLES = ["id_graph", "external_id_mapping", "profile_traits"]
TIME_COLUMNS = ("timestamp", "uuid_ts", "received_at")


def raw_tables(sqlite_file, landing=None):
    """Each raw table of the SQLite file's `main` schema: (name, [(column, kind)], rows), where
    kind is time, integer, real or text (from the column's name and declared type). With
    `landing` ("by", T) only the rows whose uuid_ts is at most T (as the file stores it), with
    ("after", T) the others: the rows that land later."""
    raw = sqlite3.connect(sqlite_file)
    for table in RAW_TABLES:
        columns = []
        for name, declared in raw.execute(f"SELECT name, type FROM pragma_table_info('{table}') ORDER BY cid"):
            declared = (declared or "").upper()
            if name in TIME_COLUMNS:
                kind = "time"
            elif "INT" in declared:
                kind = "integer"
            elif any(word in declared for word in ("REAL", "FLOA", "DOUB")):
                kind = "real"
            else:
                kind = "text"
            columns.append((name, kind))
        where, values = "", ()
        if landing is not None:
            where = " WHERE uuid_ts <= ?" if landing[0] == "by" else " WHERE NOT (uuid_ts <= ?) OR uuid_ts IS NULL"
            values = (landing[1],)
        yield table, columns, raw.execute(f'SELECT * FROM "{table}"{where}', values).fetchall()


def statements(path):
    """The statements of a compiled file: each ends with `;` at the end of a line, followed by
    a blank line and the next statement's comment, or by the end of the file."""
    body = open(path, encoding="utf-8").read()
    for chunk in re.split(r";\n(?=\n-- |\Z)", body):
        code = "\n".join(line for line in chunk.splitlines() if not line.startswith("--")).strip()
        if code:
            yield code


def compiled_statements(folder):
    """(file name, statement, kind) for every statement of the folder's files, in run order.
    kind is "verdict" for the first statement of a check's file (NN_check_ID.sql: one row of
    check_id, value, status), "query" for its other statements (the check's queries, whose
    rows a runner reads so that they run and are not only planned), else "step"."""
    for path in sorted(glob.glob(os.path.join(folder, "*.sql"))):
        name = os.path.basename(path)
        check = re.match(r"^\d+_check_", name) is not None
        for index, statement in enumerate(statements(path)):
            yield name, statement, ("verdict" if index == 0 else "query") if check else "step"


class StatementFailed(Exception):
    """A compiled statement the engine refused: its file, the engine's first line, the statement."""


def sql_loader(cursor, schema, types, placeholder, name=lambda text: text):
    """``run_phases``' create_table and insert_rows for an engine with a DB-API cursor:
    `CREATE TABLE "schema"."table"` with the engine's type for each kind of column, then
    `INSERT … VALUES` of its placeholders; `name` spells a name as the engine stores it."""
    def create_table(table, columns):
        definitions = ", ".join(f'"{name(column)}" {types[kind]}' for column, kind in columns)
        cursor.execute(f'CREATE TABLE "{name(schema)}"."{name(table)}" ({definitions})')

    def insert_rows(table, columns, rows):
        cursor.executemany(f'INSERT INTO "{name(schema)}"."{name(table)}" VALUES ({", ".join([placeholder] * len(columns))})', rows)

    return create_table, insert_rows


def run_phases(sqlite_file, phases, create_table, insert_rows, execute):
    """Runs the phases (``arguments``) on an engine and returns the verdicts: for each phase,
    its raw rows are loaded (`create_table(table, columns)` first, in the first phase;
    `insert_rows(table, columns, rows)` when there are rows), then every statement of its
    folder runs (`execute(statement)` returns the cursor of its rows), a check's rows read.
    A statement the engine refuses raises StatementFailed."""
    verdicts = {}
    for number, (compiled, landing) in enumerate(phases):
        for table, columns, rows in raw_tables(sqlite_file, landing):
            if number == 0:
                create_table(table, columns)
            if rows:
                insert_rows(table, columns, rows)
        for file, statement, kind in compiled_statements(compiled):
            try:
                cursor = execute(statement)
                if kind != "step":
                    rows = cursor.fetchall()
                if kind == "verdict":
                    verdicts.update(verdict([column[0] for column in cursor.description], rows))
            except Exception as error:  # each engine raises errors of its own
                raise StatementFailed(f"{file}: {str(error).splitlines()[0]}\n{statement}") from error
    return verdicts


def verdict(columns, rows):
    """A verdict statement's one row as the test reads it: {check_id: {value, status}}."""
    names = [column.lower() for column in columns]
    if len(rows) != 1:
        raise ValueError(f"a verdict returns one row, this one {len(rows)}")
    row = dict(zip(names, rows[0]))
    return {str(row["check_id"]): {"value": None if row["value"] is None else int(row["value"]), "status": row["status"]}}


def text(value):
    """A value as the test compares it: times as YYYY-MM-DD HH:MM:SS in UTC, else str()."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc)
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def table_result(description, rows):
    """A table as the test reads it: its column names (lower case) and rows as text, etl_ts
    left out (it is the time of the run)."""
    names = [column[0].lower() for column in description]
    keep = [index for index, name in enumerate(names) if name != "etl_ts"]
    return {"columns": [names[index] for index in keep],
            "rows": [[text(row[index]) for index in keep] for row in rows]}


def write_result(result, output):
    with open(output, "w", encoding="utf-8") as handle:
        json.dump(result, handle)


def arguments(doc):
    """SQLITE_FILE, the phases, SOURCE_SCHEMA, TARGET_SCHEMA, OUTPUT_JSON from the command line
    (SQLITE_FILE COMPILED_DIR SOURCE_SCHEMA TARGET_SCHEMA OUTPUT_JSON [FIRST_DIR LANDED_BY]);
    the script's usage (its docstring) and exit 2 otherwise. A phase is (folder, landing): the
    raw rows to load (``raw_tables``), then the folder's files to run. Without FIRST_DIR there
    is one phase, every row and COMPILED_DIR; with it, the rows landed by LANDED_BY and
    FIRST_DIR (a table-mode compile), then the rest and COMPILED_DIR (an incremental one)."""
    if len(sys.argv) not in (6, 8):
        print(doc, file=sys.stderr)
        sys.exit(2)
    sqlite_file, compiled, source, target, output = sys.argv[1:6]
    phases = [(compiled, None)]
    if len(sys.argv) == 8:
        phases = [(sys.argv[6], ("by", sys.argv[7])), (compiled, ("after", sys.argv[7]))]
    return sqlite_file, phases, source, target, output
