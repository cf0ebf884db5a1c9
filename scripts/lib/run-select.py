#!/usr/bin/env python3
"""Runs one SELECT on a warehouse's local stand-in and prints its first row, for the tests.

Usage: run-select.py ENGINE FILE

ENGINE is snowflake (fakesnow), bigquery (sqlglot's translation to DuckDB) or databricks (a
local Apache Spark); FILE holds the statement, in that engine's dialect. Prints a JSON object
of column name (lower case) to value as text (times as YYYY-MM-DD HH:MM:SS in UTC; NULL as
null). Exit 1 with the engine's message when the statement fails.
"""
import json
import os
import sys
import time

from compiled_files import text


def run_snowflake(statement):
    import fakesnow
    import snowflake.connector
    with fakesnow.patch():
        cursor = snowflake.connector.connect(database="IDHEALTH", schema="PUBLIC").cursor()
        cursor.execute(statement)
        return [column[0] for column in cursor.description], cursor.fetchone()


def run_bigquery(statement):
    from bigquery_on_duckdb import connect, translated
    [duck] = translated(statement)
    cursor = connect().execute(duck)
    return [column[0] for column in cursor.description], cursor.fetchone()


def run_databricks(statement):
    os.environ["TZ"] = "UTC"
    time.tzset()
    from pyspark.sql import SparkSession
    spark = (SparkSession.builder.master("local[1]").appName("idhealth-select")
             .config("spark.sql.session.timeZone", "UTC").config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    try:
        frame = spark.sql(statement)
        return frame.columns, frame.collect()[0]
    finally:
        spark.stop()


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("snowflake", "bigquery", "databricks"):
        print(__doc__, file=sys.stderr)
        return 2
    engine, path = sys.argv[1:]
    statement = open(path, encoding="utf-8").read()
    try:
        names, row = {"snowflake": run_snowflake, "bigquery": run_bigquery, "databricks": run_databricks}[engine](statement)
    except Exception as error:  # each engine raises its own errors
        print(f"{engine}: {str(error).splitlines()[0]}\n{statement}", file=sys.stderr)
        return 1
    print(json.dumps({name.lower(): text(value) for name, value in zip(names, row)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
