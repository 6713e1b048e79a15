#!/usr/bin/env bash
# CPU per request of ARES and PostgreSQL (shared/bench/cpu.sh: wrk, and /proc before and after) for
# POST /v1/chat and POST /v1/chat/completions, full metering on PostgreSQL, one tenant's requests.
#   bench/cpu.sh [enterprise|pro]      (default: pro, whose quota is checked on every request)
# Env: CONNS ("16 1"), SECONDS_PER_RUN (10), ROUNDS (2), ROUTES ("/v1/chat /v1/chat/completions"). Prints
# shared/bench/cpu.sh's lines per route and level.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
TIER=${1:-pro}
start_ares
auth="Authorization: Bearer $(key_of "$TIER")"
for round in $(seq "${ROUNDS:-2}"); do
  for conns in ${CONNS:-16 1}; do
    for path in ${ROUTES:-/v1/chat /v1/chat/completions}; do
      echo "# round $round, $TIER tenant, POST $path, $conns connections"
      CPU_PROCS="ares-server postgres nginx" "$SHARED/cpu.sh" "$ARES_URL$path" "$auth" "$conns" "${SECONDS_PER_RUN:-10}"
    done
  done
done
