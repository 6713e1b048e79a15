-- SQLite dialect of the PostgreSQL migration of the same name.
ALTER TABLE usage_events ADD COLUMN cost_nanos BIGINT NOT NULL DEFAULT 0;
ALTER TABLE usage_daily ADD COLUMN cost_nanos BIGINT NOT NULL DEFAULT 0;
CREATE INDEX usage_events_created_idx ON usage_events (created_at);

DROP TRIGGER usage_events_settle;
CREATE TRIGGER usage_events_settle AFTER INSERT ON usage_events
BEGIN
    INSERT INTO usage_daily (tenant_id, day_key, api_calls, runs, tokens, released, cost_nanos)
    VALUES (NEW.tenant_id, NEW.day_key, 1, NEW.runs, NEW.tokens_in + NEW.tokens_out,
            COALESCE((SELECT tokens FROM reservations
                      WHERE id = NEW.id AND month_key = SUBSTR(NEW.day_key, 1, 7)), 0),
            NEW.cost_nanos)
    ON CONFLICT (tenant_id, day_key) DO UPDATE
    SET api_calls = api_calls + 1, runs = runs + excluded.runs, tokens = tokens + excluded.tokens,
        released = released + excluded.released, cost_nanos = cost_nanos + excluded.cost_nanos;
    DELETE FROM reservations WHERE id = NEW.id;
END;

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
