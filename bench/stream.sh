#!/usr/bin/env bash
# Time to first byte of streamed answers (shared/bench/stream_bench.py), the mock upstream direct and through ARES
# in one run: POST /v1/chat/completions and /v1/chat/stream, at 1 and 8 connections, keep-alive.
#   bench/stream.sh [enterprise|pro]   (default: enterprise)
# Env: STREAM_C ("1 8"), N (300 requests per worker). The added time to first byte is ARES's ttfb minus direct's.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
TIER=${1:-enterprise}
start_ares
auth="Authorization: Bearer $(key_of "$TIER")"
bench() { python3 "$SHARED/stream_bench.py" "$@" -n "${N:-300}"; }
for c in ${STREAM_C:-1 8}; do
  bench http://127.0.0.1:18080/stream/v1/chat/completions --model bench-model-stream -c "$c" --label direct
  bench "$ARES_URL/v1/chat/completions" --auth "$auth" --model bench-model-stream -c "$c" --label ares-oai
  bench "$ARES_URL/v1/chat/stream" --auth "$auth" --model bench-model-stream -c "$c" --label ares-v1
done
