-- Reservations that expire: see the PostgreSQL migration. Settlement releases what the event's reservation still
-- holds (nothing when it expired first) and deletes it.
CREATE TABLE reservations (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    month_key  TEXT NOT NULL,
    tokens     BIGINT NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
-- No index on expires_at: the table holds only the requests in flight, and the sweep that reads it by expiry is
-- rare, while every admission and settlement would pay for the index.

DROP TRIGGER usage_events_settle;
CREATE TRIGGER usage_events_settle AFTER INSERT ON usage_events
BEGIN
    INSERT INTO usage_daily (tenant_id, day_key, api_calls, runs, tokens, released)
    VALUES (NEW.tenant_id, NEW.day_key, 1, NEW.runs, NEW.tokens_in + NEW.tokens_out,
            COALESCE((SELECT tokens FROM reservations
                      WHERE id = NEW.id AND month_key = SUBSTR(NEW.day_key, 1, 7)), 0))
    ON CONFLICT (tenant_id, day_key) DO UPDATE
    SET api_calls = api_calls + 1, runs = runs + excluded.runs, tokens = tokens + excluded.tokens,
        released = released + excluded.released;
    DELETE FROM reservations WHERE id = NEW.id;
END;
