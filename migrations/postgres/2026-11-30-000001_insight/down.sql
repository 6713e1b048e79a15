DROP TABLE audit_log;
DROP TABLE alerts;
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
DROP INDEX usage_events_created_idx;
ALTER TABLE usage_daily DROP COLUMN cost_nanos;
ALTER TABLE usage_events DROP COLUMN cost_nanos;
