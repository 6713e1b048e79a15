ALTER TABLE runs DROP COLUMN tool_calls;
