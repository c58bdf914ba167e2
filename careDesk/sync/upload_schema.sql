-- careDesk clinic server: a workstation's first upload of its whole vault (issue 21). PostgreSQL 15.
-- Run by careDesk/sync/setup.py after server_schema.sql, as caredesk_sync_owner.
--
-- A vault that joins a clinic sends every row it has, table by table in id order, in chunks of
-- tens of thousands: the login COPYs a chunk into a staging table private to its session
-- (sync.upload_open creates it, owned by the sync owner, INSERT granted to the caller only), then
-- sync.upload_apply applies it set-based in the same transaction, with the rules of
-- sync.push for inserts: a row the server lacks is inserted (its change-log entry follows), a
-- clinic-unique value already taken is reported as a 'duplicate', and a row the server already
-- has goes through sync.apply_mutation as an insert (field conflicts, the server's value kept).
-- New rows' change-log entries keep only their versions, 500 rows an entry (sync.uploaded_rows).
-- Each table's highest id applied is kept per workstation (sync.upload_mark) in the same
-- transaction: a chunk sent twice is applied once, and an upload cut off carries on from there.

CREATE TABLE IF NOT EXISTS sync.upload_mark (
    clinic_id text NOT NULL,
    client_id text NOT NULL,
    tbl text NOT NULL,
    last_id text NOT NULL,
    PRIMARY KEY (clinic_id, client_id, tbl)
);
ALTER TABLE sync.upload_mark ENABLE ROW LEVEL SECURITY;
ALTER TABLE sync.upload_mark FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS by_clinic ON sync.upload_mark;
CREATE POLICY by_clinic ON sync.upload_mark USING (clinic_id = (SELECT sync.my_clinic()))
    WITH CHECK (clinic_id = (SELECT sync.my_clinic()));

-- How far this workstation's upload got: {"status": "ok", "marks": {table: last id}}.
CREATE OR REPLACE FUNCTION sync.upload_marks(p_client text, p_schema int) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = sync, pg_temp AS $$
DECLARE
    v_min int;
    v_clinic text;
BEGIN
    SELECT min_client_schema INTO v_min FROM sync.meta;
    IF p_schema < v_min THEN
        RETURN jsonb_build_object('status', 'upgrade', 'min_schema', v_min);
    END IF;
    v_clinic := sync.register(p_client, p_schema);
    RETURN jsonb_build_object('status', 'ok', 'marks',
        (SELECT coalesce(jsonb_object_agg(tbl, last_id), '{}') FROM sync.upload_mark
          WHERE clinic_id = v_clinic AND client_id = p_client));
END $$;

-- Every table went: noted as the mark of table '*', so a first sync stopped later (during its
-- snapshot) does not send the clinic's rows back when it carries on.
CREATE OR REPLACE FUNCTION sync.upload_finish(p_client text, p_schema int) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = sync, pg_temp AS $$
DECLARE v_clinic text := sync.register(p_client, p_schema);
BEGIN
    INSERT INTO sync.upload_mark (clinic_id, client_id, tbl, last_id)
    VALUES (v_clinic, p_client, '*', 'done')
    ON CONFLICT (clinic_id, client_id, tbl) DO UPDATE SET last_id = excluded.last_id;
END $$;

-- Whether a first sync may skip its snapshot: the clinic's server holds exactly the rows this
-- workstation has, all sent in this same sync (its upload and its push, in transactions begun
-- after p_since, the txid horizon the workstation read before either), so its vault already
-- is the clinic. Each table must have as many of the clinic's rows as p_counts says the vault
-- has, with the same sum of versions ({table: [rows, sum of versions]}; the upload sent every
-- one of them, so the same count means the same rows, and an update made elsewhere raises the
-- sum: a copy of this vault syncing under the same client id), and every change-log entry of
-- the clinic must come from this workstation after p_since, the log never purged. Call in one
-- REPEATABLE READ transaction: {"status": "ok", "ours": bool, "txid": the cursor to pull
-- from, as sync.snapshot_start gives it}. A transaction still running now is not seen here and
-- is pulled afterwards (its txid is not below the cursor).
CREATE OR REPLACE FUNCTION sync.snapshot_ours(p_client text, p_schema int, p_since xid8,
                                              p_counts jsonb)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = sync, pg_temp AS $$
DECLARE
    v_min int;
    v_clinic text;
    t text;
    n bigint;
    v bigint;
    ours boolean;
BEGIN
    SELECT min_client_schema INTO v_min FROM sync.meta;
    IF p_schema < v_min THEN
        RETURN jsonb_build_object('status', 'upgrade', 'min_schema', v_min);
    END IF;
    v_clinic := sync.register(p_client, p_schema);
    ours := NOT EXISTS (SELECT 1 FROM sync.purged WHERE clinic_id = v_clinic)
        AND NOT EXISTS (SELECT 1 FROM sync.change_log
                         WHERE clinic_id = v_clinic AND txid < p_since)
        AND NOT EXISTS (SELECT 1 FROM sync.change_log
                         WHERE clinic_id = v_clinic AND txid >= p_since
                           AND client_id IS DISTINCT FROM p_client)
        -- a table this server does not replicate: an older server, which the copy names
        AND NOT EXISTS (SELECT 1 FROM jsonb_object_keys(p_counts) k
                         WHERE k NOT IN (SELECT name FROM sync.synced_table));
    FOR t IN SELECT name FROM sync.synced_table WHERE ours LOOP
        EXECUTE format('SELECT count(*), coalesce(sum(version), 0) FROM sync.%I'
                       ' WHERE clinic_id = $1', t)
           INTO n, v USING v_clinic;
        ours := coalesce(n = (p_counts->t->>0)::bigint AND v = (p_counts->t->>1)::bigint, false);
        EXIT WHEN NOT ours;
    END LOOP;
    RETURN jsonb_build_object('status', 'ok', 'ours', ours,
                              'txid', pg_snapshot_xmin(pg_current_snapshot())::text);
END $$;

-- A staging table for one chunk of p_table, with the columns the workstation sends (all text:
-- sync.upload_apply converts them with the function's own time zone). Temporary (this session
-- only, dropped at commit, never WAL-logged) and owned by the sync owner: the caller may only
-- insert into it (COPY pg_temp.upload_rows (...) FROM STDIN).
CREATE OR REPLACE FUNCTION sync.upload_open(p_table text, p_columns text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = sync, pg_temp AS $$
DECLARE
    target regclass;
    cols text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM sync.synced_table WHERE name = p_table) THEN
        RAISE EXCEPTION 'table % is not replicated', p_table USING ERRCODE = '22023';
    END IF;
    target := format('sync.%I', p_table)::regclass;
    IF NOT 'id' = ANY(p_columns) OR 'clinic_id' = ANY(p_columns) OR EXISTS (
        SELECT 1 FROM unnest(p_columns) c WHERE NOT EXISTS (
            SELECT 1 FROM pg_attribute a WHERE a.attrelid = target AND a.attname = c
               AND a.attnum > 0 AND NOT a.attisdropped)) THEN
        RAISE EXCEPTION 'upload columns do not match table %', p_table USING ERRCODE = '22023';
    END IF;
    SELECT string_agg(format('%I text', c), ', ') INTO cols FROM unnest(p_columns) c;
    DROP TABLE IF EXISTS pg_temp.upload_rows;  -- fails on a table the caller made: not ours
    EXECUTE format('CREATE TEMP TABLE upload_rows (%s) ON COMMIT DROP', cols);
    EXECUTE format('GRANT INSERT ON pg_temp.upload_rows TO %I', session_user);
END $$;

-- Apply the staged chunk of p_table (see the top of this file). Returns {"status": "ok",
-- "applied": rows taken, "last_id": the table's mark, "conflicts": [...], "rows": [[table, row
-- as the server has it], ...] for rows the server already had}.
CREATE OR REPLACE FUNCTION sync.upload_apply(p_client text, p_schema int, p_table text)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = sync, pg_temp SET timezone = 'UTC' AS $$
DECLARE
    v_min int;
    v_clinic text;
    v_mark text;
    v_last text;
    staged regclass := to_regclass('pg_temp.upload_rows');
    cols text;
    casts text;
    insert_fresh text;  -- the insert of rows past the mark, %4$s: its conflict clause
    fresh_ids text[];
    known_ids text[] := '{}';
    n_fresh bigint;
    n_staged bigint;
    unique_cols text[];
    k text;
    found jsonb;
    r record;
    conflicts jsonb := '[]';
    rows jsonb := '[]';
BEGIN
    SELECT min_client_schema INTO v_min FROM sync.meta;
    IF p_schema < v_min THEN
        RETURN jsonb_build_object('status', 'upgrade', 'min_schema', v_min);
    END IF;
    -- Only the staging table sync.upload_open made in this session: a table, in this session's
    -- temporary schema, owned by this function's owner (a caller cannot alter it).
    IF staged IS NULL OR NOT EXISTS (
        SELECT 1 FROM pg_class c WHERE c.oid = staged AND c.relkind = 'r'
           AND c.relnamespace = pg_my_temp_schema()
           AND c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)) THEN
        RAISE EXCEPTION 'call sync.upload_open first' USING ERRCODE = '55000';
    END IF;
    v_clinic := sync.register(p_client, p_schema);
    PERFORM sync.lock_clinic(v_clinic);
    PERFORM set_config('sync.client', p_client, true);
    SELECT nullif(s.unique_columns, '{}') INTO unique_cols FROM sync.synced_table s
     WHERE s.name = p_table;
    SELECT last_id INTO v_mark FROM sync.upload_mark
     WHERE clinic_id = v_clinic AND client_id = p_client AND tbl = p_table FOR UPDATE;
    -- The staged columns, converted to the server's types (an over-long value fails the chunk,
    -- as in sync.push: nothing is cut short).
    SELECT string_agg(format('%I', a.attname), ', ' ORDER BY s.attnum),
           string_agg(format('s.%I::%s', a.attname, format_type(a.atttypid, NULL)), ', '
                      ORDER BY s.attnum)
      INTO cols, casts
      FROM pg_attribute s JOIN pg_attribute a
        ON a.attrelid = format('sync.%I', p_table)::regclass AND a.attname = s.attname
     WHERE s.attrelid = staged AND s.attnum > 0 AND NOT s.attisdropped;
    -- Ids compare byte by byte (COLLATE "C"), as the workstation orders them: a server's
    -- linguistic collation would place some ids elsewhere and skip them.
    -- Rows past the mark the server lacks: inserted as they are (their version too, so the
    -- workstation's copy and the server's agree), in one statement (one change-log write).
    -- A plain insert first: a row the server has already is rare, and ON CONFLICT's
    -- speculative insertion doubled the cost of each row (measured: 100,000 observations
    -- 0.58 s plain, 1.21 s with ON CONFLICT DO NOTHING). If one is there, the insert is undone
    -- (its own subtransaction) and the chunk goes again, leaving such rows out.
    PERFORM set_config('sync.uploading', 'on', true);  -- light change-log entries
    insert_fresh := $f$
        WITH fresh AS (
            INSERT INTO sync.%1$I (clinic_id, %3$s)
            SELECT $1, %2$s FROM pg_temp.upload_rows s WHERE s.id COLLATE "C" > $2
            %4$s
            RETURNING id
        )
        SELECT count(*), coalesce(array_agg(f.id), '{}') FROM fresh f
        $f$;
    BEGIN
        EXECUTE format(insert_fresh, p_table, casts, cols, '')
            INTO n_fresh, fresh_ids USING v_clinic, coalesce(v_mark, '');
    EXCEPTION WHEN unique_violation THEN
        EXECUTE format(insert_fresh, p_table, casts, cols, 'ON CONFLICT (clinic_id, id) DO NOTHING')
            INTO n_fresh, fresh_ids USING v_clinic, coalesce(v_mark, '');
    END;
    SELECT count(*), max(s.id COLLATE "C") INTO n_staged, v_last
      FROM pg_temp.upload_rows s WHERE s.id COLLATE "C" > coalesce(v_mark, '');
    IF n_fresh < n_staged THEN  -- some rows were here already (rare): which
        SELECT array_agg(s.id ORDER BY s.id COLLATE "C") INTO known_ids
          FROM pg_temp.upload_rows s
         WHERE s.id COLLATE "C" > coalesce(v_mark, '')
           AND s.id NOT IN (SELECT unnest(fresh_ids));
    END IF;
    PERFORM set_config('sync.uploading', 'off', true);
    -- A clinic-unique value (a patient's MRN) another live row already has: both rows stay,
    -- a 'duplicate' is reported for a person to merge or correct (as sync.insert_fresh does).
    -- Statistics first: on a server whose statistics know only other clinics, this clinic
    -- looks empty, and each lookup scanned the whole clinic by its key instead of the MRN
    -- index (50,000 patients: minutes per chunk). Only tables with such columns (patients).
    IF unique_cols IS NOT NULL THEN
        EXECUTE format('ANALYZE sync.%I', p_table);
    END IF;
    FOR k IN SELECT unnest(unique_cols) LOOP
        EXECUTE format($f$
            SELECT coalesce(jsonb_agg(sync.note_conflict($1, $2,
                       jsonb_build_object('id', 'upload:' || x.id, 'table', %1$L, 'row_id', x.id),
                       %2$L, 'duplicate', NULL, to_jsonb(x.%2$I), to_jsonb(o.id), true,
                       coalesce(to_jsonb(x)->>'patient_id', CASE WHEN %1$L = 'patient' THEN x.id END))),
                   '[]')
              FROM sync.%1$I x
              CROSS JOIN LATERAL (
                  SELECT o.id FROM sync.%1$I o
                   WHERE o.clinic_id = $1 AND o.%2$I = x.%2$I AND o.id <> x.id
                     AND o.deleted_at IS NULL LIMIT 1) o
             WHERE x.clinic_id = $1 AND x.id = ANY($3) AND x.%2$I IS NOT NULL
            $f$, p_table, k)
        INTO found USING v_clinic, p_client, fresh_ids;
        conflicts := conflicts || found;
    END LOOP;
    -- Rows the server already has (a row with a fixed id, or one a lost chunk already sent
    -- under another mark): an insert through sync.apply_mutation, exactly as a push would.
    FOR r IN EXECUTE 'SELECT s.id, to_jsonb(s) - ''id'' - ''version'' AS data'
                     ' FROM pg_temp.upload_rows s WHERE s.id = ANY($1) ORDER BY s.id'
             USING known_ids LOOP
        conflicts := conflicts || sync.apply_mutation(v_clinic, p_client, jsonb_build_object(
            'id', 'upload:' || r.id, 'table', p_table, 'row_id', r.id, 'op', 'insert',
            'base_version', NULL,
            'fields', (SELECT coalesce(jsonb_object_agg(f.key, jsonb_build_array(NULL, f.value)), '{}')
                         FROM jsonb_each(r.data) f)));
        rows := rows || jsonb_build_array(jsonb_build_array(p_table, sync.row_of(p_table, r.id, v_clinic)));
    END LOOP;
    IF v_last IS NOT NULL THEN
        INSERT INTO sync.upload_mark (clinic_id, client_id, tbl, last_id)
        VALUES (v_clinic, p_client, p_table, v_last)
        ON CONFLICT (clinic_id, client_id, tbl) DO UPDATE SET last_id = excluded.last_id;
    END IF;
    UPDATE sync.client SET last_push = now() WHERE clinic_id = v_clinic AND client_id = p_client;
    RETURN jsonb_build_object(
        'status', 'ok',
        'applied', n_fresh + coalesce(array_length(known_ids, 1), 0),
        'last_id', coalesce(v_last, v_mark), 'conflicts', conflicts, 'rows', rows);
END $$;
