-- Metering. tenant_quotas holds each tenant's counters for its current UTC day and calendar month in one row, so
-- one UPDATE can check and increment both atomically; a row whose keys are older than today counts as zero.
-- usage_daily is the per-day history shown in usage reports; usage_events has one row per metered request.
CREATE TABLE tenant_quotas (
    tenant_id      TEXT PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    day_key        TEXT NOT NULL,
    day_requests   BIGINT NOT NULL,
    month_key      TEXT NOT NULL,
    month_requests BIGINT NOT NULL,
    month_tokens   BIGINT NOT NULL,
    month_reserved BIGINT NOT NULL
);
INSERT INTO tenant_quotas (tenant_id, day_key, day_requests, month_key, month_requests, month_tokens, month_reserved)
SELECT id, '', 0, '', 0, 0, 0 FROM tenants;

CREATE TABLE usage_daily (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    day_key   TEXT NOT NULL,
    api_calls BIGINT NOT NULL,
    runs      BIGINT NOT NULL,
    tokens    BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, day_key)
);

CREATE TABLE usage_events (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    api_key_id TEXT,
    endpoint   TEXT NOT NULL,
    agent      TEXT,
    model      TEXT,
    provider   TEXT,
    tokens_in  BIGINT NOT NULL,
    tokens_out BIGINT NOT NULL,
    estimated  BOOLEAN NOT NULL,
    latency_ms BIGINT NOT NULL,
    status     INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX usage_events_tenant_created_idx ON usage_events (tenant_id, created_at);
