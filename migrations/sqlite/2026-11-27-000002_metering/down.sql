DROP TABLE usage_events;
DROP TABLE usage_daily;
DROP TABLE tenant_quotas;
