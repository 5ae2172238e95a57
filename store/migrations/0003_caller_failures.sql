-- Failed identity checks (unknown number or wrong birth date) per caller number, for the flow's per-caller limit.
-- Every `vika serve` instance on this database counts in the same table, so a caller who reaches several instances
-- through the SIP dispatcher gets the limit once, not once per instance. The caller number is kept only as its
-- keyed hash (jkn.HashID); rows older than the limit's window are deleted as the limiter goes.

CREATE TABLE caller_failures (
    caller_hash text NOT NULL,
    failed_at   timestamptz NOT NULL
);
-- Counting one caller's failures within the window.
CREATE INDEX caller_failures_hash_at_idx ON caller_failures (caller_hash, failed_at);
-- Pruning everything older than the window.
CREATE INDEX caller_failures_failed_at_idx ON caller_failures (failed_at);
