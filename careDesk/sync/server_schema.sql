-- careDesk clinic server: the `sync` schema (issue 10). PostgreSQL 15.
-- Run by careDesk/sync/setup.py as the owner role caredesk_sync_owner (not a superuser, so row-level
-- security applies to it too). The replicated tables themselves are generated from the app's
-- SQLModel tables (careDesk/sync/ddl.py) and created after this file.
-- Login roles (one per user) have no table privileges: they may only call push, pull and the
-- bootstrap functions below, which are SECURITY DEFINER and see only their own clinic's rows.

CREATE TABLE IF NOT EXISTS sync.meta (
    id int PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    schema_version int NOT NULL,            -- the synced tables' version on this server
    min_client_schema int NOT NULL          -- older clients are told to upgrade
);
ALTER TABLE sync.meta DROP COLUMN IF EXISTS purged_below;  -- now per clinic (sync.purged)

-- Each clinic's purge horizon: its change log and tombstones are gone below this txid, so a
-- client of that clinic whose cursor is older must bootstrap again.
CREATE TABLE IF NOT EXISTS sync.purged (
    clinic_id text PRIMARY KEY,
    below xid8 NOT NULL
);

CREATE TABLE IF NOT EXISTS sync.login (
    role_name name PRIMARY KEY,
    clinic_id text NOT NULL
);

CREATE TABLE IF NOT EXISTS sync.synced_table (
    name text PRIMARY KEY,
    columns text NOT NULL,       -- quoted column list, table order
    clinical boolean NOT NULL
);
ALTER TABLE sync.synced_table ADD COLUMN IF NOT EXISTS position int NOT NULL DEFAULT 0;
-- [[child table, column], ...]: rows that point at this table's rows (a tombstone they point
-- at is kept by the purge, so a new workstation's foreign keys always hold).
ALTER TABLE sync.synced_table ADD COLUMN IF NOT EXISTS referenced_by jsonb NOT NULL DEFAULT '[]';
-- Columns unique within a clinic that two workstations can fill alike while apart (a patient's
-- MRN): the server keeps both rows and reports a 'duplicate' for a person to merge or correct.
ALTER TABLE sync.synced_table ADD COLUMN IF NOT EXISTS unique_columns text[] NOT NULL DEFAULT '{}';
-- Columns computed from another of the row (a phone number's digits): no conflict of their own.
ALTER TABLE sync.synced_table ADD COLUMN IF NOT EXISTS derived text[] NOT NULL DEFAULT '{}';

-- Workstations and the mutations they pushed are keyed by clinic too (issue 16): a vault copied
-- or restored into another clinic keeps its client id and mutation ids, and one clinic's rows
-- must never block, or reveal, another's (row-level security hides them from the other clinic).
CREATE TABLE IF NOT EXISTS sync.client (
    client_id text NOT NULL,
    clinic_id text NOT NULL,
    role_name name NOT NULL,
    schema_version int NOT NULL,
    last_mutation text,
    cursor_txid xid8 NOT NULL DEFAULT '0',
    cursor_seq bigint NOT NULL DEFAULT 0,
    last_push timestamptz,
    last_pull timestamptz,
    PRIMARY KEY (clinic_id, client_id)
);

CREATE TABLE IF NOT EXISTS sync.change_log (
    seq bigserial PRIMARY KEY,
    txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    clinic_id text NOT NULL,
    tbl text NOT NULL,
    row_id text NOT NULL,
    row_data jsonb NOT NULL,
    client_id text
);
-- A first upload's entries (sync/upload_schema.sql) keep only the version each row went in
-- with, and sync.pull reads the row as it is (see sync.uploaded_rows): building each row's JSON
-- took two thirds of an upload's server time. One entry stands for up to 500 rows of a table
-- (ids, with versions in the same order; row_id is the first id, row_data '{}'): an entry of
-- its own for each of a 50,000-patient clinic's 2.9 million rows took 34 of the upload's 86 s
-- of server time. An older server's entries for one uploaded row each (uploaded: its version)
-- are still read.
ALTER TABLE sync.change_log ADD COLUMN IF NOT EXISTS uploaded int;
ALTER TABLE sync.change_log ADD COLUMN IF NOT EXISTS ids text[];
ALTER TABLE sync.change_log ADD COLUMN IF NOT EXISTS versions int[];
CREATE INDEX IF NOT EXISTS change_log_cursor ON sync.change_log (clinic_id, txid, seq);
CREATE INDEX IF NOT EXISTS change_log_row ON sync.change_log (row_id);

CREATE TABLE IF NOT EXISTS sync.applied (
    mutation_id text NOT NULL,
    clinic_id text NOT NULL,
    client_id text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (clinic_id, mutation_id)
);
ALTER TABLE sync.applied ADD COLUMN IF NOT EXISTS txid xid8 NOT NULL DEFAULT pg_current_xact_id();

-- Upgrade a server made before: primary key (client_id) → (clinic_id, client_id), and
-- (mutation_id) → (clinic_id, mutation_id). Rows stay as they are (each already has its clinic).
DO $$
DECLARE t text; k text;
BEGIN
    FOREACH t IN ARRAY ARRAY['client', 'applied'] LOOP
        k := CASE t WHEN 'client' THEN 'client_id' ELSE 'mutation_id' END;
        IF (SELECT count(*) FROM pg_constraint c JOIN pg_attribute a
              ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey)
             WHERE c.conrelid = format('sync.%I', t)::regclass AND c.contype = 'p') = 1 THEN
            EXECUTE format('ALTER TABLE sync.%I DROP CONSTRAINT %I, ADD PRIMARY KEY (clinic_id, %I)',
                           t, t || '_pkey', k);
        END IF;
    END LOOP;
END $$;

CREATE TABLE IF NOT EXISTS sync.conflict (
    id bigserial PRIMARY KEY,
    clinic_id text NOT NULL,
    client_id text NOT NULL,
    mutation_id text NOT NULL,
    tbl text NOT NULL,
    row_id text NOT NULL,
    patient_id text,
    field text NOT NULL,
    kind text NOT NULL,   -- field, delete_edit, edit_deleted, missing, insert
    base_value jsonb,
    client_value jsonb,
    server_value jsonb,
    clinical boolean NOT NULL,
    at timestamptz NOT NULL DEFAULT now()
);

-- The caller's clinic, from the login role that opened the connection (session_user: inside a
-- SECURITY DEFINER function current_user is the owner).
CREATE OR REPLACE FUNCTION sync.my_clinic() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = sync, pg_temp AS $$
    SELECT clinic_id FROM sync.login WHERE role_name = session_user
$$;

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['client', 'change_log', 'applied', 'conflict'] LOOP
        EXECUTE format('ALTER TABLE sync.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE sync.%I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('DROP POLICY IF EXISTS by_clinic ON sync.%I', t);
        EXECUTE format('CREATE POLICY by_clinic ON sync.%I USING (clinic_id = (SELECT sync.my_clinic()))'
                       ' WITH CHECK (clinic_id = (SELECT sync.my_clinic()))', t);
    END LOOP;
END $$;

-- Every insert or update of a replicated row lands in the change log with its transaction id:
-- once per statement, from its transition table (a first upload inserts thousands of rows in
-- one statement; a trigger per row took half its time).
CREATE OR REPLACE FUNCTION sync.log_changes() RETURNS trigger
LANGUAGE plpgsql SET search_path = sync, pg_temp AS $$
BEGIN
    IF current_setting('sync.uploading', true) = 'on' THEN  -- set by sync.upload_apply
        -- In id order (byte by byte, as the workstation sent them), 500 rows an entry.
        INSERT INTO sync.change_log (clinic_id, tbl, row_id, row_data, client_id, ids, versions)
        SELECT b.clinic_id, TG_TABLE_NAME, b.ids[1], '{}',
               nullif(current_setting('sync.client', true), ''), b.ids, b.versions
          FROM (SELECT n.clinic_id, array_agg(n.id ORDER BY n.k) AS ids,
                       array_agg(n.version ORDER BY n.k) AS versions
                  FROM (SELECT c.clinic_id, c.id, c.version,
                               row_number() OVER (PARTITION BY c.clinic_id
                                                  ORDER BY c.id COLLATE "C") - 1 AS k
                          FROM changed c) n
                 GROUP BY n.clinic_id, n.k / 500) b
         ORDER BY b.clinic_id, b.ids[1] COLLATE "C";
    ELSE
        INSERT INTO sync.change_log (clinic_id, tbl, row_id, row_data, client_id)
        SELECT n.clinic_id, TG_TABLE_NAME, n.id, to_jsonb(n) - 'clinic_id',
               nullif(current_setting('sync.client', true), '')
          FROM changed n;
    END IF;
    RETURN NULL;
END $$;

-- An uploaded row: as the row is now if it still has the version it was uploaded with (then
-- it is exactly what was uploaded), else NULL: a later change, with its own entry further on,
-- superseded it (taking today's row here could point at a parent row the stream has not
-- reached yet). NULL too when the purge removed it. sync.uploaded_rows: an entry's rows, in
-- its order (n from 1), one lookup by primary key each.
CREATE OR REPLACE FUNCTION sync.uploaded_rows(p_table text, p_clinic text, p_ids text[],
                                              p_versions int[])
RETURNS TABLE (n bigint, data jsonb)
LANGUAGE plpgsql STABLE STRICT SET search_path = sync, pg_temp AS $$
BEGIN
    RETURN QUERY EXECUTE format(
        'SELECT u.n, CASE WHEN x.id IS NULL THEN NULL ELSE to_jsonb(x) - ''clinic_id'' END'
        ' FROM unnest($2, $3) WITH ORDINALITY u(id, version, n)'
        ' LEFT JOIN sync.%I x ON x.clinic_id = $1 AND x.id = u.id AND x.version = u.version'
        ' ORDER BY u.n', p_table)
        USING p_clinic, p_ids, p_versions;
END $$;

CREATE OR REPLACE FUNCTION sync.uploaded_row(p_table text, p_id text, p_clinic text, p_version int)
RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = sync, pg_temp AS $$
DECLARE v jsonb;
BEGIN
    EXECUTE format('SELECT to_jsonb(x) - ''clinic_id'' FROM sync.%I x'
                   ' WHERE x.clinic_id = $2 AND x.id = $1 AND x.version = $3', p_table)
        INTO v USING p_id, p_clinic, p_version;
    RETURN v;
END $$;

-- One row of the caller's clinic. The clinic is named as well as the id (row-level security
-- alone would do): with both halves of the primary key the planner takes it even before the
-- server has statistics, as after a first upload.
DROP FUNCTION IF EXISTS sync.row_of(text, text);
CREATE OR REPLACE FUNCTION sync.row_of(p_table text, p_id text, p_clinic text) RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = sync, pg_temp AS $$
DECLARE v jsonb;
BEGIN
    EXECUTE format('SELECT to_jsonb(x) - ''clinic_id'' FROM sync.%I x'
                   ' WHERE x.clinic_id = $2 AND x.id = $1', p_table)
        INTO v USING p_id, p_clinic;
    RETURN v;
END $$;

CREATE OR REPLACE FUNCTION sync.note_conflict(
    p_clinic text, p_client text, m jsonb, p_field text, p_kind text,
    p_base jsonb, p_mine jsonb, p_theirs jsonb, p_clinical boolean, p_patient text
) RETURNS jsonb
LANGUAGE sql SET search_path = sync, pg_temp AS $$
    INSERT INTO sync.conflict (clinic_id, client_id, mutation_id, tbl, row_id, patient_id, field,
                               kind, base_value, client_value, server_value, clinical)
    VALUES (p_clinic, p_client, m->>'id', m->>'table', m->>'row_id', p_patient, p_field, p_kind,
            p_base, p_mine, p_theirs, p_clinical)
    RETURNING jsonb_build_object('id', id, 'table', tbl, 'row_id', row_id, 'field', field,
                                 'kind', kind, 'mine', client_value, 'theirs', server_value,
                                 'clinical', clinical, 'patient_id', patient_id)
$$;

-- A 'duplicate' conflict for each clinic-unique column this mutation set to a value another live
-- row already has (the row is kept: both workstations' records stay, a person decides).
CREATE OR REPLACE FUNCTION sync.check_unique(
    p_clinic text, p_client text, m jsonb, p_table text, p_row text, p_values jsonb, p_patient text
) RETURNS jsonb
LANGUAGE plpgsql SET search_path = sync, pg_temp AS $$
DECLARE
    k text;
    other text;
    found jsonb := '[]';
BEGIN
    FOR k IN SELECT unnest(unique_columns) FROM sync.synced_table WHERE name = p_table LOOP
        CONTINUE WHEN NOT p_values ? k OR p_values->>k IS NULL;
        EXECUTE format('SELECT id FROM sync.%I WHERE %I = $1 AND id <> $2 AND deleted_at IS NULL'
                       ' LIMIT 1', p_table, k)
            INTO other USING p_values->>k, p_row;
        IF other IS NOT NULL THEN
            found := found || sync.note_conflict(p_clinic, p_client, m, k, 'duplicate', NULL,
                p_values->k, to_jsonb(other), true, p_patient);
        END IF;
    END LOOP;
    RETURN found;
END $$;

-- One mutation: apply when the base version matches, else merge field by field. The server
-- orders writes; client clocks decide nothing (updated_at is carried, never compared).
CREATE OR REPLACE FUNCTION sync.apply_mutation(p_clinic text, p_client text, m jsonb)
RETURNS jsonb
LANGUAGE plpgsql SET search_path = sync, pg_temp AS $$
DECLARE
    t text := m->>'table';
    rid text := m->>'row_id';
    op text := m->>'op';
    base int := (m->>'base_version')::int;
    olds jsonb := '{}';
    news jsonb := '{}';
    cur jsonb;
    old_n jsonb;
    new_n jsonb;
    cols text;
    derived text[];
    is_clinical boolean;
    patient text;
    k text;
    changed jsonb := '{}';
    conflicts jsonb := '[]';
BEGIN
    SELECT s.columns, s.clinical, s.derived INTO cols, is_clinical, derived
      FROM sync.synced_table s WHERE s.name = t;
    IF cols IS NULL THEN
        RAISE EXCEPTION 'table % is not replicated', t USING ERRCODE = '22023';
    END IF;
    SELECT coalesce(jsonb_object_agg(key, value->0), '{}'), coalesce(jsonb_object_agg(key, value->1), '{}')
      INTO olds, news FROM jsonb_each(m->'fields');
    -- Normalise the client's JSON to this server's canonical form (timestamps, numbers).
    EXECUTE format('SELECT to_jsonb(jsonb_populate_record(NULL::sync.%I, $1)),'
                   ' to_jsonb(jsonb_populate_record(NULL::sync.%I, $2))', t, t)
        INTO old_n, new_n USING olds, news;
    cur := sync.row_of(t, rid, p_clinic);
    patient := CASE WHEN t = 'patient' THEN rid ELSE coalesce(cur->>'patient_id', news->>'patient_id') END;

    IF cur IS NULL THEN
        IF op = 'insert' THEN
            EXECUTE format('INSERT INTO sync.%I SELECT * FROM jsonb_populate_record(NULL::sync.%I, $1)', t, t)
                USING news || jsonb_build_object('id', rid, 'clinic_id', p_clinic, 'version', 1);
            conflicts := conflicts || sync.check_unique(p_clinic, p_client, m, t, rid, new_n, patient);
        ELSE
            conflicts := conflicts || sync.note_conflict(p_clinic, p_client, m, '*', 'missing',
                NULL, news, NULL, is_clinical, patient);
        END IF;
        RETURN conflicts;
    END IF;

    IF cur->>'deleted_at' IS NOT NULL THEN
        -- A tombstone stays a tombstone; an edit made elsewhere meanwhile is recorded.
        IF op <> 'delete' THEN
            conflicts := conflicts || sync.note_conflict(p_clinic, p_client, m, '*', 'edit_deleted',
                olds, news, NULL, is_clinical, patient);
        END IF;
        RETURN conflicts;
    END IF;

    FOR k IN SELECT jsonb_object_keys(news) LOOP
        CONTINUE WHEN k IN ('updated_at', 'changed_by');
        IF op = 'insert' THEN
            -- The row is already here (a first sync sending rows the server has): keep the server's.
            IF cur->k IS DISTINCT FROM new_n->k AND NOT k = ANY(derived) THEN
                conflicts := conflicts || sync.note_conflict(p_clinic, p_client, m, k, 'insert',
                    NULL, new_n->k, cur->k, is_clinical, patient);
            END IF;
        ELSIF (cur->>'version')::int = base OR cur->k = old_n->k OR k = 'deleted_at' THEN
            changed := changed || jsonb_build_object(k, new_n->k);
        ELSIF cur->k = new_n->k THEN
            NULL;  -- the server already has the new value
        ELSIF k = ANY(derived) THEN
            NULL;  -- follows its source column, which has its own conflict
        ELSE
            conflicts := conflicts || sync.note_conflict(p_clinic, p_client, m, k, 'field',
                old_n->k, new_n->k, cur->k, is_clinical, patient);
        END IF;
    END LOOP;

    IF op = 'delete' AND (cur->>'version')::int <> base THEN
        -- Delete against a concurrent edit: the tombstone wins, the edit is kept in the row.
        conflicts := conflicts || sync.note_conflict(p_clinic, p_client, m, '*', 'delete_edit',
            NULL, NULL, cur, is_clinical, patient);
    END IF;

    IF changed <> '{}' THEN
        changed := changed || jsonb_build_object(
            'updated_at', new_n->'updated_at', 'changed_by', new_n->'changed_by',
            'version', (cur->>'version')::int + 1);
        EXECUTE format('UPDATE sync.%I x SET (%s) = (SELECT %s FROM jsonb_populate_record(NULL::sync.%I, $1) r)'
                       ' WHERE x.clinic_id = $3 AND x.id = $2', t, cols, cols, t)
            USING cur || changed || jsonb_build_object('clinic_id', p_clinic), rid, p_clinic;
        conflicts := conflicts || sync.check_unique(p_clinic, p_client, m, t, rid, changed, patient);
    END IF;
    RETURN conflicts;
END $$;

-- Whether workstation p_client, of schema p_schema, may sync here, writing nothing (the
-- settings' Test connection, and each sync first): 'ok' with the login's clinic (a vault that
-- holds one clinic never pulls another's), whether that clinic knows this workstation already,
-- and the tables' columns; 'upgrade' (with min_schema: that workstation is too old) or
-- 'no-clinic' (the login belongs to no clinic). A server without this function was set up by
-- an older careDesk.
DROP FUNCTION IF EXISTS sync.ready(int);  -- before p_client (never released)
CREATE OR REPLACE FUNCTION sync.ready(p_schema int, p_client text) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = sync, pg_temp AS $$
DECLARE v_min int; v_clinic text := sync.my_clinic();
BEGIN
    SELECT min_client_schema INTO v_min FROM sync.meta;
    IF p_schema < v_min THEN
        RETURN jsonb_build_object('status', 'upgrade', 'min_schema', v_min);
    END IF;
    IF v_clinic IS NULL THEN
        RETURN jsonb_build_object('status', 'no-clinic');
    END IF;
    -- and each replicated table's columns here: a workstation whose tables have a column this
    -- server lacks is told the server needs its upgrade (a push would drop that value unseen)
    RETURN jsonb_build_object('status', 'ok', 'clinic', v_clinic,
        'known', EXISTS (SELECT 1 FROM sync.client
                         WHERE clinic_id = v_clinic AND client_id = p_client),
        'tables', (
        SELECT coalesce(jsonb_object_agg(t.name, (
            SELECT jsonb_agg(a.attname) FROM pg_attribute a
            WHERE a.attrelid = to_regclass(format('sync.%I', t.name))
              AND a.attnum > 0 AND NOT a.attisdropped)), '{}')
        FROM sync.synced_table t));
END $$;

CREATE OR REPLACE FUNCTION sync.register(p_client text, p_schema int) RETURNS text
LANGUAGE plpgsql SET search_path = sync, pg_temp AS $$
DECLARE v_clinic text := sync.my_clinic();
BEGIN
    IF v_clinic IS NULL THEN
        RAISE EXCEPTION 'this login has no clinic on the sync server' USING ERRCODE = '42501';
    END IF;
    INSERT INTO sync.client (client_id, clinic_id, role_name, schema_version)
    VALUES (p_client, v_clinic, session_user, p_schema)
    ON CONFLICT (clinic_id, client_id) DO UPDATE SET schema_version = excluded.schema_version,
                                          role_name = excluded.role_name;
    RETURN v_clinic;
END $$;

-- Inserts of rows the server does not have yet (a workstation's first upload of a whole clinic),
-- set-based, table by table: the same result as apply_mutation one by one (a new row at version
-- 1, its change-log entry, a 'duplicate' for a clinic-unique value already taken), thirty times
-- faster. Returns {"applied": {mutation id: true}, "conflicts": [...]}; what it leaves (rows
-- already here, repeated ids) goes through apply_mutation in order.
CREATE OR REPLACE FUNCTION sync.insert_fresh(p_clinic text, p_client text, p_mutations jsonb)
RETURNS jsonb
LANGUAGE plpgsql SET search_path = sync, pg_temp AS $$
DECLARE
    t text;
    k text;
    batch jsonb;
    ids jsonb;
    found jsonb;
    done jsonb := '{}';
    conflicts jsonb := '[]';
BEGIN
    IF EXISTS (SELECT 1 FROM jsonb_array_elements(p_mutations) e
                WHERE NOT EXISTS (SELECT 1 FROM sync.synced_table s WHERE s.name = e.value->>'table')) THEN
        RAISE EXCEPTION 'a table in this push is not replicated' USING ERRCODE = '22023';
    END IF;
    -- Each table's inserts, parents before children (the change log, and so every pull, keeps
    -- foreign keys in order).
    FOR t, batch IN
        SELECT s.name, g.inserts
          FROM (SELECT e.value->>'table' AS tbl, jsonb_agg(e.value) AS inserts
                  FROM jsonb_array_elements(p_mutations) e
                 WHERE e.value->>'op' = 'insert' GROUP BY 1) g
          JOIN sync.synced_table s ON s.name = g.tbl
         ORDER BY s.position
    LOOP
        EXECUTE format($f$
            WITH m AS (
                SELECT DISTINCT ON (e.value->>'row_id') e.value AS m
                  FROM jsonb_array_elements($1) e
                 WHERE NOT EXISTS (SELECT 1 FROM sync.applied a
                                    WHERE a.clinic_id = $2 AND a.mutation_id = e.value->>'id')
                   AND NOT EXISTS (SELECT 1 FROM sync.%I x
                                    WHERE x.clinic_id = $2 AND x.id = e.value->>'row_id')
                 ORDER BY e.value->>'row_id'
            ), ins AS (
                INSERT INTO sync.%I
                SELECT r.* FROM m, LATERAL jsonb_populate_record(NULL::sync.%I,
                    (SELECT coalesce(jsonb_object_agg(f.key, f.value->1), '{}')
                       FROM jsonb_each(m.m->'fields') f)
                    || jsonb_build_object('id', m.m->>'row_id', 'clinic_id', $2, 'version', 1)) r
                RETURNING 1
            ), noted AS (
                INSERT INTO sync.applied (mutation_id, clinic_id, client_id)
                SELECT m.m->>'id', $2, $3 FROM m
                RETURNING mutation_id
            )
            SELECT coalesce(jsonb_object_agg(mutation_id, true), '{}') FROM noted
            $f$, t, t, t)
        INTO ids USING batch, p_clinic, p_client;
        done := done || ids;
        FOR k IN SELECT unnest(unique_columns) FROM sync.synced_table WHERE name = t LOOP
            EXECUTE format($f$
                SELECT coalesce(jsonb_agg(sync.note_conflict($2, $3, m.value, %L, 'duplicate',
                           NULL, to_jsonb(x.%I), to_jsonb(o.id), true,
                           coalesce(to_jsonb(x)->>'patient_id', CASE WHEN %L = 'patient' THEN x.id END))),
                       '[]')
                  FROM jsonb_array_elements($1) m
                  JOIN sync.%I x ON x.clinic_id = $2 AND x.id = m.value->>'row_id'
                  CROSS JOIN LATERAL (
                      SELECT o.id FROM sync.%I o
                       WHERE o.clinic_id = $2 AND o.%I = x.%I AND o.id <> x.id
                         AND o.deleted_at IS NULL LIMIT 1) o
                 WHERE $4 ? (m.value->>'id') AND x.%I IS NOT NULL
                $f$, k, k, t, t, t, k, k, k)
            INTO found USING batch, p_clinic, p_client, ids;
            conflicts := conflicts || found;
        END LOOP;
    END LOOP;
    RETURN jsonb_build_object('applied', done, 'conflicts', conflicts);
END $$;

-- One clinic's pushes and uploads apply one at a time (until their transaction ends). Each
-- locks rows in the order its workstation edited them, so two desks editing the same records
-- in another order would deadlock (one aborted with an error), and two desks inserting a row
-- with the same fixed id would fail one insert; in turn, each sees the other's rows. Pulls and
-- other clinics do not wait. A push of 100 edits holds it for tens of milliseconds.
CREATE OR REPLACE FUNCTION sync.lock_clinic(p_clinic text) RETURNS void
LANGUAGE sql SET search_path = sync, pg_temp AS $$
    SELECT pg_advisory_xact_lock(1667330661, hashtext(p_clinic))  -- 1667330661: 'care'
$$;

-- Push: the client's outbox in order. Mutations already applied are skipped (a retry after a
-- lost acknowledgement changes nothing). Returns the resulting rows and any conflicts.
CREATE OR REPLACE FUNCTION sync.push(p_client text, p_schema int, p_mutations jsonb)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = sync, pg_temp SET timezone = 'UTC' AS $$
DECLARE
    v_clinic text;
    v_min int;
    m jsonb;
    applied text[] := '{}';
    duplicates text[] := '{}';
    conflicts jsonb := '[]';
    rows jsonb := '{}';
    fresh jsonb;
    seen boolean;
BEGIN
    SELECT min_client_schema INTO v_min FROM sync.meta;
    IF p_schema < v_min THEN
        RETURN jsonb_build_object('status', 'upgrade', 'min_schema', v_min);
    END IF;
    v_clinic := sync.register(p_client, p_schema);
    PERFORM sync.lock_clinic(v_clinic);
    PERFORM set_config('sync.client', p_client, true);
    fresh := sync.insert_fresh(v_clinic, p_client, p_mutations);
    conflicts := fresh->'conflicts';
    fresh := fresh->'applied';
    FOR m IN SELECT value FROM jsonb_array_elements(p_mutations) LOOP
        IF fresh ? (m->>'id') THEN
            applied := applied || (m->>'id');
            CONTINUE;  -- the client has this row as the server does: nothing to send back
        END IF;
        -- Planned at each call (EXECUTE): a plan cached while sync.applied was empty scanned
        -- the whole table for every mutation once it had grown (a first upload slowed to
        -- minutes per batch).
        EXECUTE 'SELECT EXISTS (SELECT 1 FROM sync.applied WHERE clinic_id = $1 AND mutation_id = $2)'
            INTO seen USING v_clinic, m->>'id';
        IF seen THEN
            duplicates := duplicates || (m->>'id');
        ELSE
            conflicts := conflicts || sync.apply_mutation(v_clinic, p_client, m);
            INSERT INTO sync.applied (mutation_id, clinic_id, client_id)
            VALUES (m->>'id', v_clinic, p_client);
            applied := applied || (m->>'id');
        END IF;
        rows := rows || jsonb_build_object((m->>'table') || ':' || (m->>'row_id'), m->>'table');
    END LOOP;
    UPDATE sync.client SET last_mutation = coalesce(applied[array_upper(applied, 1)], last_mutation),
                           last_push = now()
     WHERE clinic_id = v_clinic AND client_id = p_client;
    RETURN jsonb_build_object(
        'status', 'ok', 'applied', to_jsonb(applied), 'duplicates', to_jsonb(duplicates),
        'conflicts', conflicts,
        'rows', (SELECT coalesce(jsonb_agg(jsonb_build_array(r.value #>> '{}', sync.row_of(r.value #>> '{}', split_part(r.key, ':', 2), v_clinic))), '[]')
                   FROM jsonb_each(rows) r));
END $$;

-- Pull: the clinic's changes after the client's cursor, in (txid, seq) order, only from
-- transactions older than the oldest one still running: sequence values are drawn before
-- commit, so a later seq can commit first; below pg_snapshot_xmin nothing can still appear.
CREATE OR REPLACE FUNCTION sync.pull(p_client text, p_schema int, p_txid xid8, p_seq bigint, p_limit int)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = sync, pg_temp SET timezone = 'UTC' AS $$
DECLARE
    v_xmin xid8 := pg_snapshot_xmin(pg_current_snapshot());
    v_clinic text;
    v_purged xid8;
    v_min int;
    page jsonb;
    n_entries bigint;
    n_sent bigint;
    batched boolean;
BEGIN
    SELECT min_client_schema INTO v_min FROM sync.meta;
    IF p_schema < v_min THEN
        RETURN jsonb_build_object('status', 'upgrade', 'min_schema', v_min);
    END IF;
    v_clinic := sync.register(p_client, p_schema);
    SELECT below INTO v_purged FROM sync.purged WHERE clinic_id = v_clinic;
    IF p_txid < v_purged THEN
        RETURN jsonb_build_object('status', 'rebootstrap');
    END IF;
    -- The client has applied everything up to its cursor: that bounds the tombstone purge.
    UPDATE sync.client SET cursor_txid = p_txid, cursor_seq = p_seq, last_pull = now()
     WHERE clinic_id = v_clinic AND client_id = p_client;
    -- A row NULL: an uploaded row superseded further on (the client moves its cursor past).
    SELECT coalesce(jsonb_agg(jsonb_build_array(c.txid::text, c.seq, c.tbl,
                        CASE WHEN c.uploaded IS NULL THEN c.row_data
                             ELSE sync.uploaded_row(c.tbl, c.row_id, v_clinic, c.uploaded) END)
                              ORDER BY c.txid, c.seq), '[]'),
           count(*), coalesce(bool_or(c.ids IS NOT NULL), false)
      INTO page, n_entries, batched
      FROM (SELECT * FROM sync.change_log
             WHERE clinic_id = v_clinic AND (txid, seq) > (p_txid, p_seq) AND txid < v_xmin
             ORDER BY txid, seq LIMIT p_limit) c;
    n_sent := n_entries;
    -- A first upload's entries (rare: only the workstations already syncing when another joins
    -- pull them) stand for many rows each: the page is about p_limit rows, not entries, and
    -- ends after the entry that reaches p_limit (an entry's rows all go in one page: the
    -- client's cursor is an entry's).
    IF batched THEN
        WITH fetched AS (
            SELECT l.*, sum(coalesce(cardinality(l.ids), 1)) OVER (ORDER BY l.txid, l.seq) AS upto
              FROM (SELECT * FROM sync.change_log
                     WHERE clinic_id = v_clinic AND (txid, seq) > (p_txid, p_seq)
                       AND txid < v_xmin
                     ORDER BY txid, seq LIMIT p_limit) l
        ), sent AS (
            SELECT * FROM fetched f WHERE f.upto - coalesce(cardinality(f.ids), 1) < p_limit
        )
        SELECT (SELECT coalesce(jsonb_agg(jsonb_build_array(c.txid::text, c.seq, c.tbl, c.data)
                                          ORDER BY c.txid, c.seq, c.n), '[]')
                  FROM (SELECT f.txid, f.seq, f.tbl, 0::bigint AS n,
                               CASE WHEN f.uploaded IS NULL THEN f.row_data
                                    ELSE sync.uploaded_row(f.tbl, f.row_id, v_clinic, f.uploaded)
                               END AS data
                          FROM sent f WHERE f.ids IS NULL
                        UNION ALL
                        SELECT f.txid, f.seq, f.tbl, u.n, u.data
                          FROM sent f CROSS JOIN LATERAL
                               sync.uploaded_rows(f.tbl, v_clinic, f.ids, f.versions) u
                         WHERE f.ids IS NOT NULL) c),
               (SELECT count(*) FROM sent)
          INTO page, n_sent;
    END IF;
    RETURN jsonb_build_object('status', 'ok', 'rows', page,
                              'more', n_entries >= p_limit OR n_sent < n_entries);
END $$;

-- Bootstrap: call in one REPEATABLE READ transaction. snapshot_start gives the cursor to pull
-- from afterwards (changes from transactions not older than the snapshot are pulled again,
-- which is harmless) and each table's row count for a progress bar; the generated functions
-- sync.snapshot_rows_<table>() (careDesk/sync/ddl.py) stream the rows, tombstones included.
DROP FUNCTION IF EXISTS sync.snapshot_page(text, text, integer);

CREATE OR REPLACE FUNCTION sync.snapshot_start(p_client text, p_schema int) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = sync, pg_temp SET timezone = 'UTC' AS $$
DECLARE
    v_min int;
    t text;
    n bigint;
    counts jsonb := '{}';
BEGIN
    SELECT min_client_schema INTO v_min FROM sync.meta;
    IF p_schema < v_min THEN
        RETURN jsonb_build_object('status', 'upgrade', 'min_schema', v_min);
    END IF;
    PERFORM sync.register(p_client, p_schema);
    FOR t IN SELECT name FROM sync.synced_table LOOP
        EXECUTE format('SELECT count(*) FROM sync.%I', t) INTO n;
        counts := counts || jsonb_build_object(t, n);
    END LOOP;
    RETURN jsonb_build_object('status', 'ok', 'counts', counts,
                              'txid', pg_snapshot_xmin(pg_current_snapshot())::text);
END $$;

-- Tombstone purge, clinic by clinic (run by the server administrator, e.g. nightly from cron, or
-- `caredesk sync --purge URL`). Below the oldest cursor of a clinic's clients, its change log,
-- its record of applied mutations and its tombstones go (a tombstone still pointed at by another
-- row stays). A client whose cursor is older bootstraps again. p_idle: clients that have not
-- pulled for that long no longer hold the purge back (NULL: every client counts).
DROP FUNCTION IF EXISTS sync.purge();
CREATE OR REPLACE FUNCTION sync.purge(p_idle interval DEFAULT NULL)
RETURNS TABLE (clinic text, horizon xid8, rows_removed bigint)
LANGUAGE plpgsql SET search_path = sync, pg_temp AS $$
DECLARE
    v_clinic text;
    v_horizon xid8;
    t record;
    ref jsonb;
    guard text;
    n bigint;
BEGIN
    FOR v_clinic, v_horizon IN
        SELECT c.clinic_id, min(c.cursor_txid) FROM sync.client c
         WHERE p_idle IS NULL OR coalesce(c.last_pull, c.last_push) >= now() - p_idle
         GROUP BY c.clinic_id
    LOOP
        IF v_horizon <= coalesce((SELECT below FROM sync.purged WHERE clinic_id = v_clinic), '0') THEN
            CONTINUE;
        END IF;
        n := 0;
        FOR t IN SELECT name, referenced_by FROM sync.synced_table ORDER BY position DESC LOOP
            guard := '';
            FOR ref IN SELECT value FROM jsonb_array_elements(t.referenced_by) LOOP
                guard := guard || format(' AND NOT EXISTS (SELECT 1 FROM sync.%I r'
                                         ' WHERE r.clinic_id = x.clinic_id AND r.%I = x.id)',
                                         ref->>0, ref->>1);
            END LOOP;
            -- A tombstone with a change after the horizon stays: an entry of its own, or one of
            -- a first upload's (an anti-join: there can be millions of uploaded ids).
            EXECUTE format('DELETE FROM sync.%I x WHERE x.clinic_id = $1 AND x.deleted_at IS NOT NULL'
                           ' AND NOT EXISTS (SELECT 1 FROM sync.change_log c'
                           ' WHERE c.clinic_id = x.clinic_id AND c.row_id = x.id'
                           ' AND c.txid >= $2)'
                           ' AND NOT EXISTS (SELECT 1 FROM sync.change_log c'
                           ' CROSS JOIN LATERAL unnest(c.ids) u(id)'
                           ' WHERE c.clinic_id = $1 AND c.tbl = $3 AND c.txid >= $2'
                           ' AND c.ids IS NOT NULL AND u.id = x.id)%s', t.name, guard)
                USING v_clinic, v_horizon, t.name;
            GET DIAGNOSTICS n = ROW_COUNT;
            rows_removed := coalesce(rows_removed, 0) + n;
        END LOOP;
        DELETE FROM sync.change_log WHERE clinic_id = v_clinic AND txid < v_horizon;
        DELETE FROM sync.applied WHERE clinic_id = v_clinic AND txid < v_horizon;
        INSERT INTO sync.purged (clinic_id, below) VALUES (v_clinic, v_horizon)
        ON CONFLICT (clinic_id) DO UPDATE SET below = excluded.below;
        clinic := v_clinic;
        horizon := v_horizon;
        RETURN NEXT;
        rows_removed := 0;
    END LOOP;
END $$;
