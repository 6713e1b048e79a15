CREATE OR REPLACE FUNCTION usage_events_settle() RETURNS trigger LANGUAGE plpgsql AS $$
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
DROP TABLE reservations;
