#!/usr/bin/env bash
# Shared by the bench scripts: builds the release binary, starts the mock upstream and ARES on a fresh PostgreSQL
# database `ares_bench` with bench/ares.toml, and provisions the benchmark's tenants. Source it, then call
# `start_ares`; it exports ARES_PID, ENTERPRISE_KEY and PRO_KEY, and stops ARES when the calling script exits.
# Env: BENCH_DIR (shared/bench), BENCH_PG (postgres://postgres@127.0.0.1:5432), BENCH_RUN_DIR (/tmp/bench-run),
# ARES_BIN (a binary to measure instead of building this checkout's, e.g. an earlier commit's, for a comparison).
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
SHARED=${BENCH_DIR:-$(cd "$ROOT/../shared/bench" && pwd)}
PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
RUN=${BENCH_RUN_DIR:-/tmp/bench-run}
ARES_URL=http://127.0.0.1:15000
export API_KEY=bench-admin-secret
mkdir -p "$RUN"

start_ares() {
  local bin=${ARES_BIN:-$ROOT/target/release/ares-server}
  [ -n "${ARES_BIN:-}" ] || (cd "$ROOT" && cargo build --release -p ares-server)
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS ares_bench WITH (FORCE)" -c "CREATE DATABASE ares_bench" >/dev/null
  "$SHARED/mock.sh" start
  DATABASE_URL="$PG/ares_bench" JWT_SECRET=bench-jwt-secret-0123456789abcdef0123 RUST_LOG=${RUST_LOG:-warn} \
    "$bin" --config "$HERE/ares.toml" >"$RUN/ares.log" 2>&1 &
  ARES_PID=$!
  export ARES_PID
  trap 'kill $ARES_PID 2>/dev/null; wait $ARES_PID 2>/dev/null || true' EXIT
  for _ in $(seq 100); do curl -sf "$ARES_URL/health" >/dev/null && break; sleep 0.1; done
  curl -sf "$ARES_URL/health" >/dev/null || { echo "ARES did not start; see $RUN/ares.log" >&2; exit 1; }
  eval "$("$HERE/provision.sh")"
}

# The key of the tenant on tier $1 (enterprise or pro).
key_of() {
  if [ "$1" = enterprise ]; then echo "$ENTERPRISE_KEY"; else echo "$PRO_KEY"; fi
}
