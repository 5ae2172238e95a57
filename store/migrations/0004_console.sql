-- The supervisors' console: its users, their server-side sessions, and the append-only audit trail of what they did.
-- Passwords are stored only as argon2id hashes (encoded by package console); sessions only by the SHA-256 of the
-- token in the browser's cookie, so a copy of this table cannot be replayed as a cookie.

CREATE TABLE console_users (
    name                text PRIMARY KEY,
    role                text NOT NULL CHECK (role IN ('supervisor', 'admin')),
    password_hash       text NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    password_changed_at timestamptz NOT NULL DEFAULT now(),
    disabled_at         timestamptz
);

CREATE TABLE console_sessions (
    token_hash   text PRIMARY KEY,
    user_name    text NOT NULL REFERENCES console_users (name) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    remote       text NOT NULL DEFAULT ''
);
CREATE INDEX console_sessions_user_idx ON console_sessions (user_name);

-- Who did what, when, from where. Never updated or deleted (the trigger refuses both); a NIK search is recorded by
-- its keyed hash, never the number.
CREATE TABLE console_audit (
    id        bigserial PRIMARY KEY,
    at        timestamptz NOT NULL DEFAULT now(),
    user_name text NOT NULL,
    remote    text NOT NULL,
    action    text NOT NULL,
    detail    text NOT NULL DEFAULT ''
);
CREATE INDEX console_audit_at_idx ON console_audit (at DESC, id DESC);
-- Sign-in throttling counts recent failures per user and per address from the audit itself.
CREATE INDEX console_audit_signin_user_idx ON console_audit (user_name, at) WHERE action = 'signin_failed';
CREATE INDEX console_audit_signin_remote_idx ON console_audit (remote, at) WHERE action = 'signin_failed';

CREATE FUNCTION console_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'console_audit is append-only';
END $$;
CREATE TRIGGER console_audit_append_only BEFORE UPDATE OR DELETE ON console_audit
    FOR EACH ROW EXECUTE FUNCTION console_audit_append_only();
CREATE TRIGGER console_audit_no_truncate BEFORE TRUNCATE ON console_audit
    FOR EACH STATEMENT EXECUTE FUNCTION console_audit_append_only();

-- The calls list pages newest first by (started_at, id); the node filter has its own index like entry and outcome.
CREATE INDEX calls_started_at_id_idx ON calls (started_at DESC, id DESC);
CREATE INDEX calls_node_started_at_idx ON calls (node, started_at DESC);
CREATE INDEX calls_caller_hash_started_at_idx ON calls (caller_hash, started_at DESC) WHERE caller_hash IS NOT NULL;
-- Calls in progress, for the Live page.
CREATE INDEX calls_in_progress_idx ON calls (started_at DESC) WHERE ended_at IS NULL;
-- The overview's funnel, keys, transfers and look-up latency read only these kinds of event, by time.
CREATE INDEX call_events_overview_idx ON call_events (at) WHERE kind IN ('menu', 'identity', 'transfer', 'lookup');
