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
