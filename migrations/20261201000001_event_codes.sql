-- Security events are stored as stable codes (src/repo/events.rs,
-- EventKind::code); the page says them in English. Earlier versions stored
-- the English text itself.
UPDATE security_events SET kind = 'logged_in' WHERE kind = 'login';
UPDATE security_events SET kind = 'login_failed' WHERE kind = 'failed login';
UPDATE security_events SET kind = 'logged_out' WHERE kind = 'logout';
UPDATE security_events SET kind = 'password_changed' WHERE kind = 'password changed';
UPDATE security_events SET kind = 'password_change_failed' WHERE kind = 'wrong current password';
UPDATE security_events SET kind = 'session_revoked' WHERE kind = 'session revoked';
