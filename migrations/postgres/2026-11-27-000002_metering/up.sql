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


-- One settlement per inserting statement, however many events it inserts: one upsert per tenant and day. A
-- reservation is released in the month it was made (one made just before midnight on the last day of a month,
-- settled after it, was already forgotten when the new month's counters started from zero).
CREATE FUNCTION usage_events_settle() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO usage_daily (tenant_id, day_key, api_calls, runs, tokens, released)
    SELECT tenant_id, day_key, COUNT(*), SUM(runs), SUM(tokens_in + tokens_out),
           SUM(CASE WHEN reservation_month = SUBSTR(day_key, 1, 7) THEN reserved_tokens ELSE 0 END)
    FROM new_events GROUP BY tenant_id, day_key
    ON CONFLICT (tenant_id, day_key) DO UPDATE
    SET api_calls = usage_daily.api_calls + EXCLUDED.api_calls,
        runs = usage_daily.runs + EXCLUDED.runs,
        tokens = usage_daily.tokens + EXCLUDED.tokens,
        released = usage_daily.released + EXCLUDED.released;
    RETURN NULL;
END;
$$;

CREATE TRIGGER usage_events_settle AFTER INSERT ON usage_events
REFERENCING NEW TABLE AS new_events
FOR EACH STATEMENT EXECUTE FUNCTION usage_events_settle();
