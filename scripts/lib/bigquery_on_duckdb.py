"""GoogleSQL run on DuckDB through sqlglot, for the BigQuery stand-in of the tests
(run-on-duckdb-as-bigquery.py, run-select.py).

Each statement is parsed as GoogleSQL by sqlglot's BigQuery dialect (a statement it cannot
parse fails) and translated by it to DuckDB. Two statements are given to DuckDB in its own
words instead, because sqlglot's translation is not something DuckDB runs:

* `CREATE OR REPLACE TABLE a COPY b` (BigQuery's table copy; DuckDB has none) runs as
  `CREATE OR REPLACE TABLE a AS SELECT * FROM b`, which leaves the same rows;
* `BYTE_LENGTH(text)` comes out as `OCTET_LENGTH(text)`, which DuckDB takes for BLOBs only;
  DuckDB's `STRLEN` counts a text's bytes.
"""
import re

import duckdb
import sqlglot

COPY = re.compile(r"^CREATE OR REPLACE TABLE (`[^`]+`\.`[^`]+`) COPY (`[^`]+`\.`[^`]+`)$")


def connect():
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    return connection


def duckdb_name(name):
    """`schema`.`table` as DuckDB quotes it."""
    return ".".join('"' + part.strip("`") + '"' for part in name.split("."))


def translated(statement):
    """The DuckDB statements that do what a GoogleSQL statement does."""
    copy = COPY.match(statement)
    if copy:
        return [f"CREATE OR REPLACE TABLE {duckdb_name(copy.group(1))} AS SELECT * FROM {duckdb_name(copy.group(2))}"]
    translations = sqlglot.transpile(statement, read="bigquery", write="duckdb", unsupported_level=sqlglot.ErrorLevel.RAISE)
    return [re.sub(r"\bOCTET_LENGTH\(", "STRLEN(", duck) for duck in translations]
