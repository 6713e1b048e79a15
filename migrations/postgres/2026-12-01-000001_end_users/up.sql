-- End users. Users are metered like tenants: the usage ledger's tables count per account, and an account is a
-- tenant or a user (tenant_id holds either id, both random UUIDs), so their foreign keys to tenants go.
ALTER TABLE tenant_quotas DROP CONSTRAINT tenant_quotas_tenant_id_fkey;
ALTER TABLE usage_daily DROP CONSTRAINT usage_daily_tenant_id_fkey;
ALTER TABLE usage_events DROP CONSTRAINT usage_events_tenant_id_fkey;
ALTER TABLE reservations DROP CONSTRAINT reservations_tenant_id_fkey;

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
    id              BIGSERIAL PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    role            TEXT NOT NULL,
    content         TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX messages_conversation_idx ON messages (conversation_id, id);
