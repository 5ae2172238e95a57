-- The call log: one row per call with the columns supervisors search on, and the call's timeline as events.
-- Caller numbers are stored masked and as a keyed hash, never in full; identity numbers likewise (in the identity
-- event's fields).

CREATE TABLE calls (
    id            text PRIMARY KEY,
    started_at    timestamptz NOT NULL,
    ended_at      timestamptz,
    entry         text,
    caller_masked text,
    caller_hash   text,
    node          text,
    outcome       text,
    hangup_cause  text,
    hangup_by     text,
    duration_ms   bigint
);
CREATE INDEX calls_started_at_idx ON calls (started_at DESC);
CREATE INDEX calls_entry_started_at_idx ON calls (entry, started_at DESC);
CREATE INDEX calls_outcome_started_at_idx ON calls (outcome, started_at DESC);
CREATE INDEX calls_caller_hash_idx ON calls (caller_hash) WHERE caller_hash IS NOT NULL;

-- No foreign key to calls: events are written in batches and may reach the database before the arrival event that
-- creates the call row; the writer upserts the call row in the same transaction anyway.
CREATE TABLE call_events (
    call_id text NOT NULL,
    seq     integer NOT NULL,
    at      timestamptz NOT NULL,
    kind    text NOT NULL,
    fields  jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (call_id, seq)
);
-- Finds the calls in which a given NIK or card number was keyed in (by its keyed hash).
CREATE INDEX call_events_identity_hash_idx ON call_events ((fields ->> 'hash')) WHERE kind = 'identity';
