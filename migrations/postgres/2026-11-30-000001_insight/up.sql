-- Operator insight. Each usage event records its cost at the model's price when it ran, in billionths of a US
-- dollar (exact sums; a token at $0.05 per million tokens is 50), and each day sums its events' cost.
ALTER TABLE usage_events ADD COLUMN cost_nanos BIGINT NOT NULL DEFAULT 0;
ALTER TABLE usage_daily ADD COLUMN cost_nanos BIGINT NOT NULL DEFAULT 0;
-- The platform-wide reports (today's totals, time series and breakdowns over every tenant) read events by time.
CREATE INDEX usage_events_created_idx ON usage_events (created_at);

CREATE OR REPLACE FUNCTION usage_events_settle() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH released AS (
        DELETE FROM reservations r USING new_events e WHERE r.id = e.id
        RETURNING r.id, r.tokens, r.month_key
    )
    INSERT INTO usage_daily (tenant_id, day_key, api_calls, runs, tokens, released, cost_nanos)
    SELECT e.tenant_id, e.day_key, COUNT(*), SUM(e.runs), SUM(e.tokens_in + e.tokens_out),
           COALESCE(SUM(CASE WHEN r.month_key = SUBSTR(e.day_key, 1, 7) THEN r.tokens ELSE 0 END), 0),
           SUM(e.cost_nanos)
    FROM new_events e LEFT JOIN released r ON r.id = e.id
    GROUP BY e.tenant_id, e.day_key
    ON CONFLICT (tenant_id, day_key) DO UPDATE
    SET api_calls = usage_daily.api_calls + EXCLUDED.api_calls,
        runs = usage_daily.runs + EXCLUDED.runs,
        tokens = usage_daily.tokens + EXCLUDED.tokens,
        released = usage_daily.released + EXCLUDED.released,
        cost_nanos = usage_daily.cost_nanos + EXCLUDED.cost_nanos;
    RETURN NULL;
END;
$$;

-- Alerts the platform raises. dedup_key names the condition and its period ("quota:<tenant>:tokens:warning:
-- 2026-03"): the unique constraint makes raising one idempotent, however many requests or instances try at once.
CREATE TABLE alerts (
    id          TEXT PRIMARY KEY,
    severity    TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    kind        TEXT NOT NULL,
    message     TEXT NOT NULL,
    tenant_id   TEXT REFERENCES tenants (id) ON DELETE CASCADE,
    dedup_key   TEXT NOT NULL CONSTRAINT alerts_dedup_unique UNIQUE,
    created_at  TIMESTAMP NOT NULL,
    resolved    BOOLEAN NOT NULL DEFAULT FALSE,
    resolved_at TIMESTAMP
);
CREATE INDEX alerts_created_idx ON alerts (created_at, id);

-- One entry per state change through the Admin API or a tenant's key management, written in the change's own
-- transaction. details is a JSON object. Entries outlive what they describe, so no foreign keys.
CREATE TABLE audit_log (
    id         TEXT PRIMARY KEY,
    action     TEXT NOT NULL,
    actor      TEXT NOT NULL,
    tenant_id  TEXT,
    target     TEXT,
    details    TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX audit_log_created_idx ON audit_log (created_at, id);
