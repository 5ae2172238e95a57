-- The console's overview over a week read every menu, identity, look-up and transfer event of the week's calls and
-- counted distinct calls per funnel stage: on a log of 1,000,000 calls that is seconds. Instead, each call is
-- counted once, when its end event is written, into an hourly summary (by the UTC hour the call started, its entry
-- and outcome) and an hourly histogram of look-up latencies (whole milliseconds, so the percentiles stay exact). The
-- overview adds the few calls that have not ended yet from the log itself (store/console_overview.go).
--
-- A trigger rather than a materialised view: a view would have to be refreshed (a full recount) to show the last
-- hour, while the trigger keeps the summary current at the cost of one small upsert per batch that ends calls. It is
-- a statement trigger with a transition table, so it sees only the rows a statement really inserted: the writer's
-- INSERT ... ON CONFLICT DO NOTHING may send a batch twice (a commit lost in transit), and an end event already
-- written is then not counted again. Hours are UTC hours: every Indonesian zone (WIB, WITA, WIT) is a whole number of
-- hours from UTC, so a day or week in any of them is whole UTC hours.

CREATE TABLE call_hourly (
    hour       timestamptz NOT NULL,
    entry      text NOT NULL,  -- '' when the arrival was never logged
    outcome    text NOT NULL,
    calls      bigint NOT NULL,
    chose      bigint NOT NULL,  -- pressed 1 or 2 at the main menu
    number     bigint NOT NULL,  -- keyed a NIK or card number
    birth_date bigint NOT NULL,  -- keyed a complete birth date
    readout    bigint NOT NULL,  -- heard a readout
    key1       bigint NOT NULL,  -- main-menu choices of 1 (status) and 2 (contributions), every time
    key2       bigint NOT NULL,
    transfers  bigint NOT NULL,
    lookups    bigint NOT NULL,
    PRIMARY KEY (hour, entry, outcome)
);

CREATE TABLE call_hourly_latency (
    hour       timestamptz NOT NULL,
    latency_ms integer NOT NULL,
    lookups    bigint NOT NULL,
    PRIMARY KEY (hour, latency_ms)
);

-- call_rollup_add counts the ended calls ids into the summary; each call must be counted once.
CREATE FUNCTION call_rollup_add(ids text[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO call_hourly AS h
    SELECT date_trunc('hour', c.started_at, 'UTC'), coalesce(c.entry, ''), coalesce(c.outcome, ''), count(*),
        count(*) FILTER (WHERE e.chose), count(*) FILTER (WHERE e.number), count(*) FILTER (WHERE e.birth_date),
        count(*) FILTER (WHERE e.readout), coalesce(sum(e.key1), 0), coalesce(sum(e.key2), 0),
        coalesce(sum(e.transfers), 0), coalesce(sum(e.lookups), 0)
    FROM calls c
    CROSS JOIN LATERAL (SELECT
        coalesce(bool_or(kind = 'menu' AND fields ->> 'menu' = 'main' AND fields ->> 'choice' IN ('1', '2')), false) AS chose,
        coalesce(bool_or(kind = 'identity'), false) AS number,
        coalesce(bool_or(kind = 'menu' AND fields ->> 'menu' = 'birthdate' AND fields ->> 'choice' = 'entered'), false) AS birth_date,
        coalesce(bool_or(kind = 'menu' AND fields ->> 'menu' = 'readout'), false) AS readout,
        count(*) FILTER (WHERE kind = 'menu' AND fields ->> 'menu' = 'main' AND fields ->> 'choice' = '1') AS key1,
        count(*) FILTER (WHERE kind = 'menu' AND fields ->> 'menu' = 'main' AND fields ->> 'choice' = '2') AS key2,
        count(*) FILTER (WHERE kind = 'transfer') AS transfers,
        count(*) FILTER (WHERE kind = 'lookup') AS lookups
        FROM call_events WHERE call_id = c.id AND kind IN ('menu', 'identity', 'transfer', 'lookup')) e
    WHERE c.id = ANY (ids)
    GROUP BY 1, 2, 3
    ON CONFLICT (hour, entry, outcome) DO UPDATE SET calls = h.calls + excluded.calls, chose = h.chose + excluded.chose,
        number = h.number + excluded.number, birth_date = h.birth_date + excluded.birth_date,
        readout = h.readout + excluded.readout, key1 = h.key1 + excluded.key1, key2 = h.key2 + excluded.key2,
        transfers = h.transfers + excluded.transfers, lookups = h.lookups + excluded.lookups;

    INSERT INTO call_hourly_latency AS h
    SELECT date_trunc('hour', c.started_at, 'UTC'), round((e.fields ->> 'latency_ms')::float8)::integer, count(*)
    FROM calls c JOIN call_events e ON e.call_id = c.id AND e.kind = 'lookup' AND e.fields ? 'latency_ms'
    WHERE c.id = ANY (ids)
    GROUP BY 1, 2
    ON CONFLICT (hour, latency_ms) DO UPDATE SET lookups = h.lookups + excluded.lookups;
$$;

CREATE FUNCTION call_rollup_ended() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids text[] := ARRAY(SELECT DISTINCT call_id FROM new_events WHERE kind = 'end');
BEGIN
    IF cardinality(ids) > 0 THEN
        PERFORM call_rollup_add(ids);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER call_events_rollup AFTER INSERT ON call_events REFERENCING NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION call_rollup_ended();

-- call_rollup_rebuild recounts the summary from the whole log (this migration, and after a bulk load that
-- bypassed the trigger, as store.SeedCallLog does). A call has ended_at exactly when its end event was written.
CREATE FUNCTION call_rollup_rebuild() RETURNS void LANGUAGE sql AS $$
    TRUNCATE call_hourly, call_hourly_latency;
    SELECT call_rollup_add(ARRAY(SELECT id FROM calls WHERE ended_at IS NOT NULL));
$$;

SELECT call_rollup_rebuild();
