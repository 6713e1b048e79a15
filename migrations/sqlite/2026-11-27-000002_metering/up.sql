-- SQLite dialect of the PostgreSQL migration of the same name.
-- Metering. tenant_quotas holds each tenant's admission counters for its current UTC day and calendar month in one
-- row (requests, and the tokens reserved by admitted requests), so one UPDATE can check and increment them
-- atomically; a row whose keys are older than today counts as zero. usage_daily holds what finished requests used,
-- per day: calls, runs, tokens, and the reservations they released; the month's token use is the sum of its days.
-- usage_events has one row per metered request, and inserting events settles them (a trigger adds them to their
-- day), in the inserting transaction. Admission and settlement thus never write the same row.
CREATE TABLE tenant_quotas (
    tenant_id      TEXT PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    day_key        TEXT NOT NULL,
    day_requests   BIGINT NOT NULL,
    month_key      TEXT NOT NULL,
    month_requests BIGINT NOT NULL,
    month_reserved BIGINT NOT NULL
);
INSERT INTO tenant_quotas (tenant_id, day_key, day_requests, month_key, month_requests, month_reserved)
SELECT id, '', 0, '', 0, 0 FROM tenants;

CREATE TABLE usage_daily (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    day_key   TEXT NOT NULL,
    api_calls BIGINT NOT NULL,
    runs      BIGINT NOT NULL,
    tokens    BIGINT NOT NULL,
    -- Reservations made this month and released by requests that finished this day.
    released  BIGINT NOT NULL,
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
    created_at TIMESTAMP NOT NULL,
    -- What settlement needs: the day the event counts in, whether it ran a model, and the reservation it
    -- releases (made in reservation_month).
    day_key           TEXT NOT NULL,
    runs              INTEGER NOT NULL,
    reserved_tokens   BIGINT NOT NULL,
    reservation_month TEXT NOT NULL
);
CREATE INDEX usage_events_tenant_created_idx ON usage_events (tenant_id, created_at);


-- SQLite triggers run once per row. A reservation is released in the month it was made.
CREATE TRIGGER usage_events_settle AFTER INSERT ON usage_events
BEGIN
    INSERT INTO usage_daily (tenant_id, day_key, api_calls, runs, tokens, released)
    VALUES (NEW.tenant_id, NEW.day_key, 1, NEW.runs, NEW.tokens_in + NEW.tokens_out,
            CASE WHEN NEW.reservation_month = SUBSTR(NEW.day_key, 1, 7) THEN NEW.reserved_tokens ELSE 0 END)
    ON CONFLICT (tenant_id, day_key) DO UPDATE
    SET api_calls = api_calls + 1, runs = runs + excluded.runs, tokens = tokens + excluded.tokens,
        released = released + excluded.released;
END;
