DROP TABLE audit_events;
DROP TABLE criteria;
DROP TABLE modules;
DROP TABLE contest_hosts;
DROP TABLE contests;
DROP TABLE api_tokens;
DROP TABLE sessions;
