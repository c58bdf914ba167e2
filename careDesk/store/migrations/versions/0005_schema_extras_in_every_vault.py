"""Schema extras in every vault: audit triggers, patient search index, reminders-order index
(schema 5, issue 18)

Until schema 4 these were created only by the initial migration, from a list that grew after
vaults existed, so a vault created before the patient search index or the reminders-order index
joined the list never got them: patient search there found no one, and the reminders page read
its order without the index. This migration creates each of them that a vault lacks, so every
vault at schema 5 holds them whatever created it, and rebuilds the search index from the patient
table. Running it twice gives the same result. careDesk/store/schema_extras.py names what it creates.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

APPEND_ONLY = "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END"

# Each one only if it is missing: a vault that has it keeps it as it is (the definitions never
# changed, and a later migration may redefine one of them).
STATEMENTS = [
    f"CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON audit_event {APPEND_ONLY}",
    f"CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON audit_event {APPEND_ONLY}",
    """CREATE VIRTUAL TABLE IF NOT EXISTS patient_search USING fts5(
         given_name, family_name, preferred_name, mrn, phone_digits,
         content='patient', content_rowid='rowid',
         tokenize="unicode61 remove_diacritics 2", prefix='2 3')""",
    """CREATE TRIGGER IF NOT EXISTS patient_search_ai AFTER INSERT ON patient BEGIN
         INSERT INTO patient_search(rowid, given_name, family_name, preferred_name, mrn,
                                    phone_digits)
         VALUES (new.rowid, new.given_name, new.family_name, new.preferred_name, new.mrn,
                 new.phone_digits);
       END""",
    """CREATE TRIGGER IF NOT EXISTS patient_search_ad AFTER DELETE ON patient BEGIN
         INSERT INTO patient_search(patient_search, rowid, given_name, family_name,
                                    preferred_name, mrn, phone_digits)
         VALUES ('delete', old.rowid, old.given_name, old.family_name, old.preferred_name,
                 old.mrn, old.phone_digits);
       END""",
    """CREATE TRIGGER IF NOT EXISTS patient_search_au AFTER UPDATE ON patient BEGIN
         INSERT INTO patient_search(patient_search, rowid, given_name, family_name,
                                    preferred_name, mrn, phone_digits)
         VALUES ('delete', old.rowid, old.given_name, old.family_name, old.preferred_name,
                 old.mrn, old.phone_digits);
         INSERT INTO patient_search(rowid, given_name, family_name, preferred_name, mrn,
                                    phone_digits)
         VALUES (new.rowid, new.given_name, new.family_name, new.preferred_name, new.mrn,
                 new.phone_digits);
       END""",
    """CREATE INDEX IF NOT EXISTS ix_follow_up_open_urgent_due
         ON follow_up (status, urgent DESC, due_at)""",
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
    # An external-content index is filled from its table: every patient row, whatever was
    # indexed before (patients added while a vault had no index become findable).
    op.execute("INSERT INTO patient_search(patient_search) VALUES ('rebuild')")


def downgrade() -> None:
    # Schema 3 had the same objects (in the vaults its first migration created): nothing to
    # undo.
    pass
