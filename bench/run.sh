#!/usr/bin/env bash
# ARES in the shared overhead benchmark, with PostgreSQL and full metering:
#   1. builds the release binary, 2. starts it with bench/ares.toml on a fresh database `ares_bench`,
#   3. provisions an enterprise and a pro tenant, 4. runs shared/bench/compare.sh (direct nginx vs LiteLLM vs ARES,
#   interleaved) once per tenant, with ARES's RSS sampled.
#   bench/run.sh [enterprise|pro ...]     (default: enterprise pro)
# ROUTE=chat (default) measures POST /v1/chat; ROUTE=completions measures POST /v1/chat/completions, the route
# LiteLLM serves too, so both gateways get the same request. Needs shared/bench's one-time setup (nginx, wrk, the
# LiteLLM venv): see its README. Starts the mock (and LiteLLM, if installed and not running). Knobs pass through to
# compare.sh: CONNS, DURATION, ROUNDS, STREAM, ...
set -euo pipefail
source "$(dirname "$0")/lib.sh"
TIERS=${*:-enterprise pro}
ROUTE=${ROUTE:-chat}
if [ -x "${LITELLM_VENV:-/tmp/litellm-venv}/bin/litellm" ] && ! kill -0 "$(cat "$RUN/litellm.pid" 2>/dev/null)" 2>/dev/null; then
  "$SHARED/litellm.sh" start 1
fi
start_ares
path=/v1/chat; [ "$ROUTE" = completions ] && path=/v1/chat/completions

for tier in $TIERS; do
  echo "# ARES tenant on the $tier tier, POST $path"
  THIRD_LABEL=ares-${tier:0:3} THIRD_PID=$ARES_PID THIRD_STREAM_MODEL=bench-model-stream STREAM=${STREAM:-0} \
    "$SHARED/compare.sh" "$ARES_URL$path" "Authorization: Bearer $(key_of "$tier")" bench-model
done
