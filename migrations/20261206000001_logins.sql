-- The rows that make a login revocable are logins: `sessions` said
-- "session" of a sixth thing (docs/ARCHITECTURE.md). The rows, their
-- columns and their meaning stay as they were; the indexes follow the
-- table's new name.
ALTER TABLE sessions RENAME TO logins;
DROP INDEX sessions_user_idx;
DROP INDEX sessions_expires_idx;
CREATE INDEX logins_user_idx ON logins (user_id);
CREATE INDEX logins_expires_idx ON logins (expires_at);
