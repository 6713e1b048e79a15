DROP TABLE audit_log;
DROP TABLE alerts;
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
DROP INDEX usage_events_created_idx;
ALTER TABLE usage_daily DROP COLUMN cost_nanos;
ALTER TABLE usage_events DROP COLUMN cost_nanos;
