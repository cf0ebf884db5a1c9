#!/usr/bin/env bash
# The test command (README, .ci/run): installs what the tests need, starts a throwaway
# PostgreSQL server of its own, runs `swift test` against SQLite and PostgreSQL, and stops
# the server again. Extra arguments go to `swift test` (e.g. --filter Golden).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/throwaway-postgres.sh

install_missing_packages
start_throwaway_postgres
export IDHEALTH_TEST_POSTGRES="$IDHEALTH_PG_URL"
swift test "$@"
