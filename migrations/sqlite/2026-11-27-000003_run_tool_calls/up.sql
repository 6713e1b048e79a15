-- The tool calls a run's model made (name, arguments, result or error, duration), as a JSON array.
ALTER TABLE runs ADD COLUMN tool_calls TEXT NOT NULL DEFAULT '[]';
