DROP TRIGGER usage_events_settle;
CREATE TRIGGER usage_events_settle AFTER INSERT ON usage_events
BEGIN
    INSERT INTO usage_daily (tenant_id, day_key, api_calls, runs, tokens, released)
    VALUES (NEW.tenant_id, NEW.day_key, 1, NEW.runs, NEW.tokens_in + NEW.tokens_out,
            CASE WHEN NEW.reservation_month = SUBSTR(NEW.day_key, 1, 7) THEN NEW.reserved_tokens ELSE 0 END)
    ON CONFLICT (tenant_id, day_key) DO UPDATE
    SET api_calls = api_calls + 1, runs = runs + excluded.runs, tokens = tokens + excluded.tokens,
        released = released + excluded.released;
END;
DROP TABLE reservations;
