-- SQLite dialect of the PostgreSQL migration of the same name. SQLite cannot drop a foreign key: the ledger's four
-- tables are rebuilt without it (their settlement trigger first dropped, then made again as it was).
DROP TRIGGER usage_events_settle;

CREATE TABLE tenant_quotas_new (
    tenant_id      TEXT PRIMARY KEY,
    day_key        TEXT NOT NULL,
    day_requests   BIGINT NOT NULL,
    month_key      TEXT NOT NULL,
    month_requests BIGINT NOT NULL,
    month_reserved BIGINT NOT NULL
);
INSERT INTO tenant_quotas_new SELECT tenant_id, day_key, day_requests, month_key, month_requests, month_reserved
FROM tenant_quotas;
DROP TABLE tenant_quotas;
ALTER TABLE tenant_quotas_new RENAME TO tenant_quotas;

CREATE TABLE usage_daily_new (
    tenant_id  TEXT NOT NULL,
    day_key    TEXT NOT NULL,
    api_calls  BIGINT NOT NULL,
    runs       BIGINT NOT NULL,
    tokens     BIGINT NOT NULL,
    released   BIGINT NOT NULL,
    cost_nanos BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, day_key)
);
INSERT INTO usage_daily_new SELECT tenant_id, day_key, api_calls, runs, tokens, released, cost_nanos FROM usage_daily;
DROP TABLE usage_daily;
ALTER TABLE usage_daily_new RENAME TO usage_daily;

CREATE TABLE reservations_new (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL,
    month_key  TEXT NOT NULL,
    tokens     BIGINT NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
INSERT INTO reservations_new SELECT id, tenant_id, month_key, tokens, expires_at FROM reservations;
DROP TABLE reservations;
ALTER TABLE reservations_new RENAME TO reservations;

CREATE TABLE usage_events_new (
    id                TEXT PRIMARY KEY,
    tenant_id         TEXT NOT NULL,
    api_key_id        TEXT,
    endpoint          TEXT NOT NULL,
    agent             TEXT,
    model             TEXT,
    provider          TEXT,
    tokens_in         BIGINT NOT NULL,
    tokens_out        BIGINT NOT NULL,
    estimated         BOOLEAN NOT NULL,
    latency_ms        BIGINT NOT NULL,
    status            INTEGER NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    day_key           TEXT NOT NULL,
    runs              INTEGER NOT NULL,
    reserved_tokens   BIGINT NOT NULL,
    reservation_month TEXT NOT NULL,
    cost_nanos        BIGINT NOT NULL DEFAULT 0
);
INSERT INTO usage_events_new
SELECT id, tenant_id, api_key_id, endpoint, agent, model, provider, tokens_in, tokens_out, estimated, latency_ms,
       status, created_at, day_key, runs, reserved_tokens, reservation_month, cost_nanos
FROM usage_events;
DROP TABLE usage_events;
ALTER TABLE usage_events_new RENAME TO usage_events;
CREATE INDEX usage_events_tenant_created_idx ON usage_events (tenant_id, created_at);
CREATE INDEX usage_events_created_idx ON usage_events (created_at);

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

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL CONSTRAINT users_email_unique UNIQUE,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    tier          TEXT NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX users_created_idx ON users (created_at, id);

-- Refresh tokens by their SHA-256. Every token rotated from one sign-in shares a family: presenting a spent token
-- revokes the family (someone replayed it).
CREATE TABLE refresh_tokens (
    hash       TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family     TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    spent      BOOLEAN NOT NULL DEFAULT FALSE,
    revoked    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family);

-- Conversations belong to an account: a user, or a tenant through its API keys (owner holds either id).
CREATE TABLE conversations (
    id         TEXT PRIMARY KEY,
    owner      TEXT NOT NULL,
    title      TEXT NOT NULL,
    agent      TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX conversations_owner_idx ON conversations (owner, updated_at);

CREATE TABLE memories (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    content    TEXT NOT NULL,
    source     TEXT,
    created_at TIMESTAMP NOT NULL,
    CONSTRAINT memories_unique UNIQUE (user_id, kind, content)
);

CREATE TABLE user_agents (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    agent_type TEXT,
    config     TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, name)
);

CREATE TABLE messages (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    role            TEXT NOT NULL,
    content         TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX messages_conversation_idx ON messages (conversation_id, id);
