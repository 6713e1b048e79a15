DROP TABLE runs;
DROP TABLE agent_templates;
DROP TABLE agents;
DROP TABLE api_keys;
DROP TABLE tenants;
