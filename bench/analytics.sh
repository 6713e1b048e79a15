#!/usr/bin/env bash
# Usage analytics at scale: 1,000,000 usage events over 30 days in PostgreSQL (40 tenants, 8 models, 4 providers,
# 200 API keys, 7 endpoints, statuses with 3% failures), then the timing of the month-long reports an operator
# asks for, through the HTTP API: each request timed by curl, run 5 times, the median printed. The events are
# written straight into the table in one statement (the settlement trigger adds them to their days), as a month of
# traffic would have left them.
# Env: BENCH_PG (postgres://postgres@127.0.0.1:5432), EVENTS (1000000), ARES_BIN (a binary to measure).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
EVENTS=${EVENTS:-1000000}
DB=ares_bench_analytics
URL=http://127.0.0.1:15100
export API_KEY=bench-admin-secret
bin=${ARES_BIN:-$ROOT/target/release/ares-server}
[ -n "${ARES_BIN:-}" ] || (cd "$ROOT" && cargo build --release -p ares-server)

psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null
log=$(mktemp)
DATABASE_URL="$PG/$DB" JWT_SECRET=bench-jwt-secret-0123456789abcdef0123 RUST_LOG=warn ARES__SERVER__PORT=15100 \
  "$bin" --config "$HERE/ares.toml" >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "$URL/health" >/dev/null && break; sleep 0.1; done
curl -sf "$URL/health" >/dev/null || { echo "ARES did not start; see $log" >&2; exit 1; }

echo "seeding $EVENTS usage events over 30 days..."
start=$(date +%s)
psql "$PG/$DB" -q <<SQL
INSERT INTO tenants (id, name, tier, created_at, updated_at)
SELECT gen_random_uuid()::text, 'tenant-' || i, 'pro', now(), now() FROM generate_series(1, 40) i;
INSERT INTO tenant_quotas (tenant_id, day_key, day_requests, month_key, month_requests, month_reserved)
SELECT id, '', 0, '', 0, 0 FROM tenants;
INSERT INTO api_keys (id, tenant_id, name, prefix, key_hash, created_at, revoked)
SELECT gen_random_uuid()::text, t.id, 'key-' || k, 'ares_' || substr(md5(t.id || k), 1, 4), md5(t.id || k), now(), false
FROM tenants t, generate_series(1, 5) k;
CREATE TEMP TABLE bench_tenants AS SELECT row_number() OVER () AS n, id FROM tenants;
CREATE TEMP TABLE bench_keys AS SELECT row_number() OVER () AS n, id, tenant_id FROM api_keys;
INSERT INTO usage_events (id, tenant_id, api_key_id, endpoint, agent, model, provider, tokens_in, tokens_out,
                          estimated, latency_ms, status, created_at, day_key, runs, reserved_tokens,
                          reservation_month, cost_nanos)
SELECT gen_random_uuid()::text, k.tenant_id, k.id,
       (ARRAY['POST /v1/chat', 'POST /v1/chat/completions', 'POST /v1/agents/{name}/run', 'POST /v1/chat/stream',
              'GET /v1/usage', 'GET /v1/agents', 'GET /v1/models'])[1 + (i % 7)],
       'agent-' || (i % 12),
       'model-' || (i % 8), 'provider-' || (i % 4),
       100 + (i % 900), 20 + (i % 300), false, 200 + (i % 2000),
       CASE WHEN i % 33 = 0 THEN 502 ELSE 200 END,
       ts, to_char(ts, 'YYYY-MM-DD'), 1, 0, to_char(ts, 'YYYY-MM'), (100 + (i % 900)) * 590 + (20 + (i % 300)) * 790
FROM (SELECT i, date_trunc('month', now()) + (i::double precision / $EVENTS) * interval '30 days' AS ts
      FROM generate_series(1, $EVENTS) i) events
JOIN bench_keys k ON k.n = 1 + (events.i % 200);
ANALYZE;
SQL
echo "seeded in $(( $(date +%s) - start )) s"

from=$(date -u +%Y-%m-01)
to=$(date -u -d "$from + 1 month" +%Y-%m-01)
tenant=$(psql "$PG/$DB" -tAc "SELECT id FROM tenants ORDER BY name LIMIT 1")
median() { sort -n | awk '{ t[NR] = $1 } END { print t[int((NR + 1) / 2)] }'; }
time_report() {
  local name=$1 path=$2
  local times
  times=$(for _ in 1 2 3 4 5; do
    curl -s -o /dev/null -w '%{time_total}\n' -H "X-Admin-Secret: $API_KEY" "$URL$path"
  done | median)
  printf '%-44s %8.3f s\n' "$name" "$times"
}
code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Admin-Secret: $API_KEY" \
  "$URL/api/admin/metrics/breakdown?from=$from&to=$to&group_by=tenant")
[ "$code" = 200 ] || { echo "the breakdown answered $code" >&2; exit 1; }
echo "month $from .. $to, $EVENTS events; median of 5 requests:"
time_report "breakdown by tenant (the spend report)" "/api/admin/metrics/breakdown?from=$from&to=$to&group_by=tenant"
time_report "breakdown by model, CSV" "/api/admin/metrics/breakdown?from=$from&to=$to&group_by=model&format=csv"
time_report "breakdown by api_key" "/api/admin/metrics/breakdown?from=$from&to=$to&group_by=api_key"
time_report "breakdown by status, one tenant" "/api/admin/metrics/breakdown?from=$from&to=$to&group_by=status&tenant_id=$tenant"
time_report "timeseries hourly" "/api/admin/metrics/timeseries?from=$from&to=$to&bucket=1h"
time_report "timeseries daily by model" "/api/admin/metrics/timeseries?from=$from&to=$to&bucket=day&group_by=model"
time_report "timeseries hourly, one model" "/api/admin/metrics/timeseries?from=$from&to=$to&bucket=hour&model=model-3"
time_report "timeseries 5m over a day" "/api/admin/metrics/timeseries?from=$from&to=$(date -u -d "$from + 1 day" +%Y-%m-%d)&bucket=5m"
time_report "tenant usage (this month)" "/api/admin/tenants/$tenant/usage"
time_report "platform stats (today)" "/api/admin/stats"
