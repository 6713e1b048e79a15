-- Reservations that expire. Every admitted request that reserves tokens leaves a row here, keyed by the id its
-- usage event will have, in the statement that admits it. Settling the request (inserting its event) deletes the
-- row and releases what it holds; a row whose request never settles (its instance was killed) is deleted when it
-- expires, and what it holds is taken off the month's reserved tokens. Whichever comes first deletes the row, so a
-- reservation is released exactly once, whatever the number of instances.
CREATE TABLE reservations (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    month_key  TEXT NOT NULL,
    tokens     BIGINT NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
-- No index on expires_at: the table holds only the requests in flight, and the sweep that reads it by expiry is
-- rare, while every admission and settlement would pay for the index.

-- Settlement releases what the event's reservation still holds (nothing when it expired first), in the month it
-- was made.
CREATE OR REPLACE FUNCTION usage_events_settle() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH released AS (
        DELETE FROM reservations r USING new_events e WHERE r.id = e.id
        RETURNING r.id, r.tokens, r.month_key
    )
    INSERT INTO usage_daily (tenant_id, day_key, api_calls, runs, tokens, released)
    SELECT e.tenant_id, e.day_key, COUNT(*), SUM(e.runs), SUM(e.tokens_in + e.tokens_out),
           COALESCE(SUM(CASE WHEN r.month_key = SUBSTR(e.day_key, 1, 7) THEN r.tokens ELSE 0 END), 0)
    FROM new_events e LEFT JOIN released r ON r.id = e.id
    GROUP BY e.tenant_id, e.day_key
    ON CONFLICT (tenant_id, day_key) DO UPDATE
    SET api_calls = usage_daily.api_calls + EXCLUDED.api_calls,
        runs = usage_daily.runs + EXCLUDED.runs,
        tokens = usage_daily.tokens + EXCLUDED.tokens,
        released = usage_daily.released + EXCLUDED.released;
    RETURN NULL;
END;
$$;
