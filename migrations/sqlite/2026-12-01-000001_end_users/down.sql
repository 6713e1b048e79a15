-- The ledger's tables keep no foreign key to tenants: only the users' rows and tables go.
DROP TABLE messages;
DROP TABLE user_agents;
DROP TABLE memories;
DROP TABLE conversations;
DROP TABLE refresh_tokens;
DELETE FROM tenant_quotas WHERE tenant_id NOT IN (SELECT id FROM tenants);
DELETE FROM usage_daily WHERE tenant_id NOT IN (SELECT id FROM tenants);
DELETE FROM usage_events WHERE tenant_id NOT IN (SELECT id FROM tenants);
DELETE FROM reservations WHERE tenant_id NOT IN (SELECT id FROM tenants);
DROP TABLE users;
