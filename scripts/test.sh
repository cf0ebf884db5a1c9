#!/usr/bin/env bash
# The test command (README, .ci/run): installs what the tests need, starts a throwaway
# PostgreSQL server of its own, runs `swift test` against SQLite and PostgreSQL, and stops
# the server again. Extra arguments go to `swift test` (e.g. --filter Golden).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/throwaway-postgres.sh
source scripts/lib/spark-connect.sh
source scripts/lib/bigquery-emulator.sh

install_missing_packages
# The Python tools the tests call live in a virtual environment of the project's own (.venv):
# real consumers validate the reports (jsonschema for the JSON Schema, junitparser for
# JUnit), sqlglot parses every statement in its engine's dialect; fakesnow (Snowflake's
# dialect emulated on DuckDB) runs the compiled Snowflake files, sqlglot's translation to
# DuckDB the BigQuery ones, and pyspark (a local Apache Spark, on Java from Debian) the
# Databricks ones. sqlglot is pinned to the release fakesnow 0.12 takes; fakesnow needs the
# Snowflake connector before 4.0; pyspark is the release the Databricks proof was made on
# (4.1 is the first with recursive queries). dbt-core with dbt-postgres runs compile's dbt
# macro (dbt-core 1.11 and later fetch a parser from GitHub while installing, which this
# machine cannot reach).
[ -x .venv/bin/python3 ] || python3 -m venv .venv
.venv/bin/python3 -c "import jsonschema, junitparser, sqlglot, fakesnow, duckdb, pyspark, dbt.adapters.postgres; assert sqlglot.__version__ == '30.22.0' and pyspark.__version__ == '4.1.1'" 2>/dev/null \
  || .venv/bin/python3 -m pip install --quiet --disable-pip-version-check jsonschema junitparser "sqlglot==30.22.0" "fakesnow==0.12.1" "snowflake-connector-python<4" "pyspark==4.1.1" "dbt-core==1.10.*" "dbt-postgres==1.9.*"
# The ADBC drivers the tests load, from PyPI: Apache's PostgreSQL driver (the cross-check of
# the ADBC layer against libpq on the same server), pinned to the release proven here. Each
# is found as idhealth finds any driver: a NAME.toml manifest in ADBC_DRIVER_PATH.
# Apache's Snowflake driver runs against fakesnow's server (fakesnow[server] brings its HTTP
# server).
# The Spark Connect driver (adbc-driver-spark, Apache-licensed, by a Spark maintainer) runs
# against a Spark Connect server started from pyspark's own jars.
.venv/bin/python3 -c "import adbc_driver_postgresql, adbc_driver_snowflake, adbc_driver_spark, uvicorn; assert adbc_driver_postgresql.__version__.startswith('1.13.') and adbc_driver_snowflake.__version__.startswith('1.11.') and adbc_driver_spark.__version__.startswith('0.3.')" 2>/dev/null \
  || .venv/bin/python3 -m pip install --quiet --disable-pip-version-check "adbc-driver-postgresql==1.13.*" "adbc-driver-snowflake==1.11.*" "adbc-driver-spark==0.3.*" "fakesnow[server]==0.12.1" "snowflake-connector-python<4"
scripts/lib/write-adbc-manifests.sh .venv .venv/etc/adbc/drivers
export ADBC_DRIVER_PATH="$PWD/.venv/etc/adbc/drivers"
export PATH="$PWD/.venv/bin:$PATH"
start_throwaway_postgres
# pgcrypto gives PostgreSQL its SHA-1 (external_id_hash); a second database without it
# tests the fallback. The server also stands in for Redshift (the suites that run Redshift's
# dialect on it), so it gets Redshift's one built-in idhealth calls that PostgreSQL lacks.
"$PG_BIN/psql" "$IDHEALTH_PG_URL" -qX -v ON_ERROR_STOP=1 -c "CREATE EXTENSION IF NOT EXISTS pgcrypto" -c "CREATE DATABASE idhealth_nocrypto" >/dev/null
"$PG_BIN/psql" "$IDHEALTH_PG_URL" -qX -v ON_ERROR_STOP=1 -f scripts/lib/redshift-builtins.sql >/dev/null
export IDHEALTH_TEST_POSTGRES="$IDHEALTH_PG_URL"
# Snowflake's stand-in: one fakesnow server for the whole run (in memory; each test makes a
# schema of its own in database DB), reached by the ADBC Snowflake driver.
start_fakesnow
export IDHEALTH_TEST_SNOWFLAKE="snowflake://fake:snow@127.0.0.1:$FAKESNOW_PORT/DB?account=fakesnow&protocol=http"
export IDHEALTH_TEST_POSTGRES_NOCRYPTO="${IDHEALTH_PG_URL%/postgres}/idhealth_nocrypto"
# Spark's stand-in (for Databricks): one Spark Connect server for the whole run, reached by
# the ADBC Spark driver; each test makes a schema of its own.
start_spark_connect .venv
trap 'stop_spark_connect; stop_bigquery_emulator; stop_throwaway_postgres' EXIT
export IDHEALTH_TEST_SPARK="sc://127.0.0.1:$SPARK_CONNECT_PORT"
# BigQuery's stand-in: one emulator of BigQuery's REST API for the whole run, reached as
# idhealth reaches BigQuery (its endpoint= instead of Google's); each test makes its datasets.
start_bigquery_emulator
export IDHEALTH_TEST_BIGQUERY="bigquery://idhealth?endpoint=http://127.0.0.1:$BIGQUERY_EMULATOR_PORT"
# The build refuses a target that imports a layer it does not declare (docs/architecture.md).
swift build --build-tests --explicit-target-dependency-import-check error
# The release binary links the Swift runtime statically; StaticBinaryTests runs it with the
# toolchain hidden. A focused run (--filter) builds it only when it asks for that test.
if [[ " $* " != *" --filter "* || "$*" == *StaticBinary* ]]; then
  swift build -c release --static-swift-stdlib --product idhealth
  export IDHEALTH_RELEASE_BINARY="$PWD/.build/release/idhealth"
fi
swift test --skip-build "$@"
