#!/usr/bin/env python3
"""Runs `idhealth compile --dialect databricks` files on a local Apache Spark, for the test suite.

Usage: run-on-spark.py SQLITE_FILE COMPILED_DIR SOURCE_SCHEMA TARGET_SCHEMA OUTPUT_JSON

pyspark (PyPI) runs Spark SQL in this process's own local Spark (Java from Debian), with an
in-memory catalog and Parquet tables in a temporary folder. The raw Profiles Sync tables are
copied from the SQLite file (its `main` schema) into SOURCE_SCHEMA, with Spark's types for
the SQLite declared types (times as TIMESTAMP, in UTC); every statement of the compiled files
runs in file order; then every column but etl_ts of id_graph, external_id_mapping and
profile_traits in TARGET_SCHEMA is written to OUTPUT_JSON as text, for the test to compare
with SQLite's own tables. A statement that fails stops the script with exit 1, naming the
file and the statement.

Open-source Spark has no Delta Lake here, and its Parquet tables cannot be replaced in
place: `CREATE OR REPLACE TABLE t AS query` (the one statement the compiled files use that
needs Delta) runs as `CREATE TABLE t_next AS query`, `DROP TABLE t`, `ALTER TABLE t_next
RENAME TO t`, which leaves the same rows. Every other statement runs as compiled.
"""
import datetime
import os
import re
import shutil
import sys
import tempfile
import time

from compiled_files import arguments, run_phases, table_result, write_result, StatementFailed, TABLES

REPLACE = re.compile(r"^CREATE OR REPLACE TABLE (`[^`]+`)\.`([^`]+)` AS\s+(.*)$", re.DOTALL)


def spark_session(warehouse):
    from pyspark.sql import SparkSession
    spark = (SparkSession.builder.master("local[1]").appName("idhealth-compiled")
             .config("spark.sql.session.timeZone", "UTC")
             .config("spark.sql.warehouse.dir", warehouse)
             .config("spark.sql.shuffle.partitions", "1")
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false")
             .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def spark_value(kind, value):
    if value is None or kind != "time":
        return value
    return datetime.datetime.fromisoformat(str(value).replace(" ", "T")).replace(tzinfo=datetime.timezone.utc)


def run(spark, statement):
    """Runs a statement; returns its DataFrame (a query's rows are computed only when read)."""
    replace = REPLACE.match(statement)
    if not replace:
        return spark.sql(statement)
    schema, name, query = replace.groups()
    spark.sql(f"DROP TABLE IF EXISTS {schema}.`{name}_idh_next`")
    spark.sql(f"CREATE TABLE {schema}.`{name}_idh_next` AS {query}")
    spark.sql(f"DROP TABLE IF EXISTS {schema}.`{name}`")
    spark.sql(f"ALTER TABLE {schema}.`{name}_idh_next` RENAME TO {schema}.`{name}`")


class FrameRows:
    """A statement's DataFrame as the cursor ``run_phases`` reads: its rows and column names."""

    def __init__(self, frame):
        self.frame = frame

    def fetchall(self):
        return self.frame.collect()

    @property
    def description(self):
        return [(name,) for name in self.frame.columns]


def main():
    sqlite_file, phases, source, target, output = arguments(__doc__)
    if len(phases) != 1:
        # An incremental compile's DELETE and MERGE need Delta Lake, which this Spark lacks.
        print("run-on-spark.py runs one compile (no FIRST_DIR): an incremental one needs Delta Lake", file=sys.stderr)
        return 2
    # pyspark hands times back in the process's local zone, without saying which.
    os.environ["TZ"] = "UTC"
    time.tzset()
    from pyspark.sql import types
    spark_types = {"time": types.TimestampType(), "integer": types.LongType(),
                   "real": types.DoubleType(), "text": types.StringType()}
    warehouse = tempfile.mkdtemp(prefix="idhealth-spark-")
    spark = spark_session(warehouse)
    try:
        spark.sql(f"CREATE SCHEMA IF NOT EXISTS `{source}`")
        def struct(columns):
            return types.StructType([types.StructField(name, spark_types[kind], True) for name, kind in columns])

        def create_table(table, columns):
            spark.createDataFrame([], struct(columns)).write.saveAsTable(f"`{source}`.`{table}`")

        def insert_rows(table, columns, rows):
            converted = [tuple(spark_value(kind, value) for (_, kind), value in zip(columns, row)) for row in rows]
            spark.createDataFrame(converted, struct(columns)).write.insertInto(f"`{source}`.`{table}`")

        try:
            verdicts = run_phases(sqlite_file, phases, create_table, insert_rows, lambda statement: FrameRows(run(spark, statement)))
        except StatementFailed as failure:
            print(failure, file=sys.stderr)
            return 1
        result = {"verdicts": verdicts}
        for table in TABLES:
            frame = spark.sql(f"SELECT * FROM `{target}`.`{table}`")
            result[table] = table_result([(name,) for name in frame.columns], frame.collect())
        write_result(result, output)
        return 0
    finally:
        spark.stop()
        shutil.rmtree(warehouse, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
