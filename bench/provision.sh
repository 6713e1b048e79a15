#!/usr/bin/env bash
# Provisions the benchmark's two tenants on a running ARES, through the Admin API: one on the enterprise tier (no
# limit to check) and one on the pro tier (every request checked against its counters). Prints shell exports:
#   eval "$(bench/provision.sh)"   ->  ENTERPRISE_KEY=ares_...  PRO_KEY=ares_...
# Env: ARES_URL (http://127.0.0.1:15000), API_KEY (the admin secret; bench-admin-secret).
set -euo pipefail
URL=${ARES_URL:-http://127.0.0.1:15000}
SECRET=${API_KEY:-bench-admin-secret}

provision() {   # name tier -> raw key
  curl -sf -X POST "$URL/api/admin/provision-client" -H "X-Admin-Secret: $SECRET" -H 'Content-Type: application/json' \
    -d "{\"name\": \"$1\", \"tier\": \"$2\", \"product_type\": \"generic\", \"api_key_name\": \"bench\"}" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["raw_api_key"])'
}

suffix=$(date +%s)
echo "export ENTERPRISE_KEY=$(provision "bench-enterprise-$suffix" enterprise)"
echo "export PRO_KEY=$(provision "bench-pro-$suffix" pro)"
