-- careDesk clinic server: each workstation's audit-trail head (issue 16). PostgreSQL 15.
-- Run by careDesk/sync/setup.py after server_schema.sql, as caredesk_sync_owner.
-- A workstation sends the head of its signed audit trail (sequence, hash, fingerprint of its
-- users' keys, time, signature) after each sync; `caredesk check` asks for it back and requires
-- the local trail to extend it. The server keeps the highest head along one chain: a head
-- replaces the stored one only when it is further along and the sender names the stored head
-- as its base, so a rewritten trail cannot quietly lower or replace what the server holds.

CREATE TABLE IF NOT EXISTS sync.audit_anchor (
    clinic_id text NOT NULL,
    client_id text NOT NULL,
    seq bigint NOT NULL,
    hash text NOT NULL,
    anchor jsonb NOT NULL,                       -- the signed anchor exactly as sent
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (clinic_id, client_id)
);
ALTER TABLE sync.audit_anchor ENABLE ROW LEVEL SECURITY;
ALTER TABLE sync.audit_anchor FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS by_clinic ON sync.audit_anchor;
CREATE POLICY by_clinic ON sync.audit_anchor USING (clinic_id = (SELECT sync.my_clinic()))
    WITH CHECK (clinic_id = (SELECT sync.my_clinic()));

-- The stored head of the caller's clinic's workstation p_client (NULL when none).
CREATE OR REPLACE FUNCTION sync.audit_anchor_get(p_client text) RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = sync, pg_temp AS $$
    SELECT anchor || jsonb_build_object('received_at', received_at)
      FROM sync.audit_anchor
     WHERE clinic_id = sync.my_clinic() AND client_id = p_client
$$;

-- Store p_anchor if there is none yet, or if it is further along than the stored head and the
-- caller read that head as its base (p_base_seq, p_base_hash). Returns whether it was stored.
CREATE OR REPLACE FUNCTION sync.audit_anchor_put(
    p_client text, p_anchor jsonb, p_base_seq bigint, p_base_hash text
) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = sync, pg_temp AS $$
DECLARE
    v_clinic text := sync.my_clinic();
    v_seq bigint := (p_anchor->>'seq')::bigint;
    cur sync.audit_anchor;
BEGIN
    IF v_clinic IS NULL THEN
        RAISE EXCEPTION 'this login has no clinic on the sync server' USING ERRCODE = '42501';
    END IF;
    IF v_seq IS NULL OR p_anchor->>'hash' IS NULL THEN
        RAISE EXCEPTION 'an anchor needs seq and hash' USING ERRCODE = '22023';
    END IF;
    SELECT * INTO cur FROM sync.audit_anchor
     WHERE clinic_id = v_clinic AND client_id = p_client FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO sync.audit_anchor (clinic_id, client_id, seq, hash, anchor)
        VALUES (v_clinic, p_client, v_seq, p_anchor->>'hash', p_anchor)
        ON CONFLICT DO NOTHING;
        RETURN FOUND;
    END IF;
    IF v_seq <= cur.seq OR p_base_seq IS DISTINCT FROM cur.seq
       OR p_base_hash IS DISTINCT FROM cur.hash THEN
        RETURN false;
    END IF;
    UPDATE sync.audit_anchor
       SET seq = v_seq, hash = p_anchor->>'hash', anchor = p_anchor, received_at = now()
     WHERE clinic_id = v_clinic AND client_id = p_client;
    RETURN true;
END $$;
