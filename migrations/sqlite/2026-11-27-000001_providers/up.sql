-- SQLite dialect of the PostgreSQL migration of the same name.
-- Model providers: the configured ones mirrored from ares.toml (source 'config', in file order by position) and
-- the ones defined through the Admin API (source 'api'). Models and discovered model ids are JSON arrays.
CREATE TABLE providers (
    name                TEXT PRIMARY KEY,
    kind                TEXT NOT NULL CHECK (kind IN ('openai', 'anthropic', 'ollama', 'mock')),
    base_url            TEXT,
    api_key_env         TEXT,
    api_key             TEXT,
    models              TEXT NOT NULL,
    requests_per_day    BIGINT,
    tokens_per_minute   BIGINT,
    connect_timeout_ms  BIGINT NOT NULL,
    request_timeout_ms  BIGINT NOT NULL,
    max_retries         INTEGER NOT NULL,
    max_idle_per_host   INTEGER NOT NULL,
    idle_timeout_ms     BIGINT NOT NULL,
    enabled             BOOLEAN NOT NULL,
    source              TEXT NOT NULL CHECK (source IN ('config', 'api')),
    position            INTEGER NOT NULL,
    discovered_models   TEXT NOT NULL DEFAULT '[]',
    models_refreshed_at TIMESTAMP,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);
