DROP TABLE usage_events;
DROP FUNCTION usage_events_settle;
DROP TABLE usage_daily;
DROP TABLE tenant_quotas;
