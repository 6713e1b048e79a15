#!/usr/bin/env bash
# ARES in the shared overhead benchmark, with PostgreSQL and full metering:
#   1. builds the release binary, 2. starts it with bench/ares.toml on a fresh database `ares_bench`,
#   3. provisions an enterprise and a pro tenant, 4. runs shared/bench/compare.sh (direct nginx vs LiteLLM vs ARES,
#   interleaved) against POST /v1/chat once per tenant, with ARES's RSS sampled.
#   bench/run.sh [enterprise|pro ...]     (default: enterprise pro)
# Needs shared/bench's one-time setup (nginx, wrk, the LiteLLM venv): see its README. Starts the mock (and
# LiteLLM, if installed and not running). Knobs pass through to compare.sh: CONNS, DURATION, ROUNDS, STREAM, ...
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
SHARED=${BENCH_DIR:-$(cd "$ROOT/../shared/bench" && pwd)}
PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
RUN=${BENCH_RUN_DIR:-/tmp/bench-run}
TIERS=${*:-enterprise pro}
export API_KEY=bench-admin-secret
mkdir -p "$RUN"

(cd "$ROOT" && cargo build --release -p ares-server)
psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS ares_bench WITH (FORCE)" -c "CREATE DATABASE ares_bench" >/dev/null

"$SHARED/mock.sh" start
if [ -x "${LITELLM_VENV:-/tmp/litellm-venv}/bin/litellm" ] && ! kill -0 "$(cat "$RUN/litellm.pid" 2>/dev/null)" 2>/dev/null; then
  "$SHARED/litellm.sh" start 1
fi

DATABASE_URL="$PG/ares_bench" JWT_SECRET=bench-jwt-secret-0123456789abcdef0123 RUST_LOG=${RUST_LOG:-warn} \
  "$ROOT/target/release/ares-server" --config "$HERE/ares.toml" >"$RUN/ares.log" 2>&1 &
ARES_PID=$!
trap 'kill $ARES_PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf http://127.0.0.1:15000/health >/dev/null && break; sleep 0.1; done
curl -sf http://127.0.0.1:15000/health >/dev/null || { echo "ARES did not start; see $RUN/ares.log" >&2; exit 1; }
eval "$("$HERE/provision.sh")"

for tier in $TIERS; do
  key=$([ "$tier" = enterprise ] && echo "$ENTERPRISE_KEY" || echo "$PRO_KEY")
  echo "# ARES tenant on the $tier tier"
  THIRD_LABEL=ares-${tier:0:3} THIRD_PID=$ARES_PID THIRD_STREAM_MODEL=bench-model-stream STREAM=${STREAM:-0} \
    "$SHARED/compare.sh" http://127.0.0.1:15000/v1/chat "Authorization: Bearer $key" bench-model
done
