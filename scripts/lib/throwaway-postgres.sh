# Sourced by scripts/test.sh and scripts/bench.sh: installs missing system packages and
# starts a PostgreSQL server of their own (temporary data folder, a free loopback port, an
# unprivileged user when run as root), stopped and deleted when the calling script exits.
# Sets IDHEALTH_PG_URL.

log() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; }

find_pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

install_missing_packages() {
  local missing=()
  command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
  pkg-config --exists libpq 2>/dev/null || missing+=(libpq-dev)
  pkg-config --exists sqlite3 2>/dev/null || missing+=(libsqlite3-dev)
  # SHA-1 comes from OpenSSL's libcrypto (libpq-dev usually brings it).
  pkg-config --exists libcrypto 2>/dev/null || missing+=(libssl-dev)
  # --database odbc:… goes through unixODBC's driver manager, loaded when used (the build
  # does not need it); the tests reach the server through psqlODBC and SQLite files through
  # the SQLite ODBC driver.
  { ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null; } | grep -q 'libodbc\.so\.2' || missing+=(unixodbc)
  # Notifications are sent through libcurl, loaded when used; the tests send them.
  { ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null; } | grep -q 'libcurl\.so\.4' || missing+=(libcurl4)
  { command -v odbcinst >/dev/null 2>&1 && odbcinst -q -d -n "PostgreSQL Unicode" >/dev/null 2>&1; } || missing+=(unixodbc odbc-postgresql)
  { command -v odbcinst >/dev/null 2>&1 && odbcinst -q -d -n "SQLite3" >/dev/null 2>&1; } || missing+=(unixodbc libsqliteodbc)
  { [ -n "$(find_pg_bin)" ] && [ -x "$(find_pg_bin)/initdb" ]; } || missing+=(postgresql)
  command -v python3 >/dev/null 2>&1 || missing+=(python3)
  # The HTML report is opened in a real headless browser by the tests.
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  # The compiled Databricks SQL runs on a local Apache Spark (pyspark), which needs Java 17+.
  { command -v java >/dev/null 2>&1 && java -version 2>&1 | grep -qE 'version "(1[7-9]|2[0-9])'; } || missing+=(openjdk-17-jre-headless)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    local sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  command -v swift >/dev/null 2>&1 || { log "swift is not on PATH (a Swift 6 toolchain is needed)"; exit 1; }
}

start_throwaway_postgres() {
  PG_BIN=$(find_pg_bin)
  pg_dir=$(mktemp -d /tmp/idhealth-pg.XXXXXX)
  chmod 755 "$pg_dir"
  as_pg=()
  if [ "$(id -u)" -eq 0 ]; then
    # PostgreSQL refuses to run as root.
    id idhealth-pg >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin idhealth-pg
    chown idhealth-pg "$pg_dir"
    as_pg=(runuser -u idhealth-pg --)
  fi
  local port password
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  password="idhealth-test-$RANDOM$RANDOM"
  printf '%s\n' "$password" > "$pg_dir/pwfile"
  [ ${#as_pg[@]} -eq 0 ] || chown idhealth-pg "$pg_dir/pwfile"
  trap stop_throwaway_postgres EXIT

  "${as_pg[@]}" "$PG_BIN/initdb" -D "$pg_dir/data" -U postgres --pwfile="$pg_dir/pwfile" \
    --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >"$pg_dir/initdb.log" 2>&1 \
    || { cat "$pg_dir/initdb.log" >&2; exit 1; }
  "${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 \
    -o "-p $port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 ${IDHEALTH_PG_OPTIONS:-}" \
    start >/dev/null || { cat "$pg_dir/server.log" >&2; exit 1; }
  log "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
  IDHEALTH_PG_URL="postgresql://postgres:$password@127.0.0.1:$port/postgres"
}

# Starts fakesnow's Snowflake server on a free loopback port in the background and waits
# until it answers (a condition, not a time); stopped with the PostgreSQL server. Sets
# FAKESNOW_PORT.
start_fakesnow() {
  FAKESNOW_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  fakesnow_log=$(mktemp /tmp/idhealth-fakesnow.XXXXXX)
  fakesnow -s --host 127.0.0.1 -p "$FAKESNOW_PORT" >"$fakesnow_log" 2>&1 &
  fakesnow_pid=$!
  until python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $FAKESNOW_PORT), 1)" 2>/dev/null; do
    kill -0 "$fakesnow_pid" 2>/dev/null || { cat "$fakesnow_log" >&2; log "fakesnow's server did not start"; exit 1; }
    sleep 0.2
  done
  log "fakesnow's Snowflake server on 127.0.0.1:$FAKESNOW_PORT"
}

stop_throwaway_postgres() {
  if [ -n "${fakesnow_pid:-}" ]; then kill "$fakesnow_pid" 2>/dev/null || true; fi
  "${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}
