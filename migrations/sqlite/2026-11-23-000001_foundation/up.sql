-- Tenants, their API keys and agents, the agent templates, and agent runs.
-- SQLite dialect of the PostgreSQL migration of the same name: the same tables, columns and constraints.

CREATE TABLE tenants (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL CONSTRAINT tenants_name_unique UNIQUE,
    tier         TEXT NOT NULL CHECK (tier IN ('free', 'dev', 'pro', 'enterprise')),
    product_type TEXT,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);

CREATE TABLE api_keys (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    prefix     TEXT NOT NULL,
    key_hash   TEXT NOT NULL CONSTRAINT api_keys_hash_unique UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP,
    last_used  TIMESTAMP,
    revoked    BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX api_keys_tenant_idx ON api_keys (tenant_id, created_at);

CREATE TABLE agents (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    agent_type TEXT NOT NULL,
    config     TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CONSTRAINT agents_tenant_name_unique UNIQUE (tenant_id, name)
);

CREATE TABLE agent_templates (
    name         TEXT PRIMARY KEY,
    product_type TEXT NOT NULL,
    agent_type   TEXT NOT NULL,
    config       TEXT NOT NULL,
    position     INTEGER NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
CREATE INDEX agent_templates_product_idx ON agent_templates (product_type, position);

CREATE TABLE runs (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    agent_name  TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
    input       TEXT NOT NULL,
    output      TEXT,
    error       TEXT,
    model       TEXT,
    provider    TEXT,
    tokens_in   BIGINT NOT NULL DEFAULT 0,
    tokens_out  BIGINT NOT NULL DEFAULT 0,
    started_at  TIMESTAMP NOT NULL,
    duration_ms BIGINT
);
CREATE INDEX runs_tenant_agent_started_idx ON runs (tenant_id, agent_name, started_at);
