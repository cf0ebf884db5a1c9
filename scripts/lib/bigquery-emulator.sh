# Sourced by scripts/test.sh: BigQuery's stand-in, bqemulator (PyPI; BigQuery's REST API over
# DuckDB, GoogleSQL translated by sqlglot), in a virtual environment of its own: it needs
# DuckDB 1.5 and its spatial extension, where .venv's tools take DuckDB 2. The extension comes
# from PyPI too (duckdb-extension-spatial), installed into a DuckDB home inside that
# environment, since the emulator refuses to start without it and DuckDB's own download site
# is not reachable from every machine. One in-memory server for the whole run.

start_bigquery_emulator() {
  local venv=.venv-bigquery
  [ -x "$venv/bin/python3" ] || python3 -m venv "$venv"
  "$venv/bin/python3" -c "import bqemulator, duckdb, duckdb_extensions, numpy; assert duckdb.__version__ == '1.5.5'" 2>/dev/null \
    || "$venv/bin/python3" -m pip install --quiet --disable-pip-version-check "bqemulator==1.4.0" "duckdb==1.5.5" "duckdb-extension-spatial==1.5.5" "duckdb-extensions==1.5.5" numpy
  local home
  home=$(cd "$venv" && pwd)/duckdb-home
  mkdir -p "$home"
  HOME="$home" "$venv/bin/python3" -c "import duckdb_extensions; duckdb_extensions.import_extension('spatial')"
  BIGQUERY_EMULATOR_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  bigquery_log=$(mktemp /tmp/idhealth-bigquery.XXXXXX)
  HOME="$home" "$venv/bin/bqemulator" start --rest-host 127.0.0.1 --rest-port "$BIGQUERY_EMULATOR_PORT" \
    --grpc-host 127.0.0.1 --grpc-port 0 --project idhealth --log-level warning >"$bigquery_log" 2>&1 &
  bigquery_pid=$!
  until python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$BIGQUERY_EMULATOR_PORT/bigquery/v2/projects/idhealth/datasets', timeout=2)" 2>/dev/null; do
    kill -0 "$bigquery_pid" 2>/dev/null || { tail -n 40 "$bigquery_log" >&2; log "the BigQuery emulator did not start"; exit 1; }
    sleep 0.2
  done
  log "BigQuery emulator (bqemulator) on 127.0.0.1:$BIGQUERY_EMULATOR_PORT"
}

stop_bigquery_emulator() {
  if [ -n "${bigquery_pid:-}" ]; then kill "$bigquery_pid" 2>/dev/null || true; fi
  [ -n "${bigquery_log:-}" ] && rm -f "$bigquery_log"
}
