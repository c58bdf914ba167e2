"""Schema pieces Alembic does not autogenerate: triggers and full-text indexes.

Called from the migration that creates the tables they belong to.
"""

from __future__ import annotations

from typing import Any

AUDIT_TRIGGERS = [
    """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
       BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END""",
    """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
       BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END""",
]

# Other modules register their extra statements here (e.g. the patient search index).
EXTRA_STATEMENTS: list[str] = [*AUDIT_TRIGGERS]


def create_extras(op: Any) -> None:
    """Run every registered statement (used by the initial migration)."""
    import careDesk.model  # noqa: F401  (modules register their statements on import)

    for statement in EXTRA_STATEMENTS:
        op.execute(statement)


# Patient search (issue "care record"; docs/architecture.md#the-care-process-in-the-code):
# FTS5 over names, MRN and phone digits, with
# diacritics removed so "nguyen" finds "Nguyễn" and "munoz" finds "Muñoz". An external-content
# table kept in step by triggers, so search is one index lookup.
PATIENT_SEARCH = [
    """CREATE VIRTUAL TABLE patient_search USING fts5(
         given_name, family_name, preferred_name, mrn, phone_digits,
         content='patient', content_rowid='rowid',
         tokenize="unicode61 remove_diacritics 2", prefix='2 3')""",
    """CREATE TRIGGER patient_search_ai AFTER INSERT ON patient BEGIN
         INSERT INTO patient_search(rowid, given_name, family_name, preferred_name, mrn,
                                    phone_digits)
         VALUES (new.rowid, new.given_name, new.family_name, new.preferred_name, new.mrn,
                 new.phone_digits);
       END""",
    """CREATE TRIGGER patient_search_ad AFTER DELETE ON patient BEGIN
         INSERT INTO patient_search(patient_search, rowid, given_name, family_name,
                                    preferred_name, mrn, phone_digits)
         VALUES ('delete', old.rowid, old.given_name, old.family_name, old.preferred_name,
                 old.mrn, old.phone_digits);
       END""",
    """CREATE TRIGGER patient_search_au AFTER UPDATE ON patient BEGIN
         INSERT INTO patient_search(patient_search, rowid, given_name, family_name,
                                    preferred_name, mrn, phone_digits)
         VALUES ('delete', old.rowid, old.given_name, old.family_name, old.preferred_name,
                 old.mrn, old.phone_digits);
         INSERT INTO patient_search(rowid, given_name, family_name, preferred_name, mrn,
                                    phone_digits)
         VALUES (new.rowid, new.given_name, new.family_name, new.preferred_name, new.mrn,
                 new.phone_digits);
       END""",
]
EXTRA_STATEMENTS.extend(PATIENT_SEARCH)

# The reminders panel's order (urgent first, then oldest) read straight from an index, so a page
# of due work costs a page of rows however large the backlog (issue 5: 100,000 follow-ups).
EXTRA_STATEMENTS.append(
    "CREATE INDEX ix_follow_up_open_urgent_due ON follow_up (status, urgent DESC, due_at)"
)
