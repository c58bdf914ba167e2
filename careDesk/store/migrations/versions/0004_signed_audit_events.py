"""Audit events carry the acting user's signature (schema 4, issue 16)

Each event names the Ed25519 key that signed it and holds the signature over the vault id and
the event's hash. Events written before this schema keep both empty: ``caredesk check`` reports
them as a hash-chained but unsigned beginning of the trail.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN: SQLite adds it without rewriting the table, and the append-only
    # triggers on audit_event (UPDATE, DELETE) are untouched.
    op.add_column(
        "audit_event", sa.Column("signed_by", sa.String(32), nullable=False, server_default="")
    )
    op.add_column(
        "audit_event", sa.Column("signature", sa.String(88), nullable=False, server_default="")
    )


def downgrade() -> None:
    # Native DROP COLUMN (SQLite 3.35+), not batch mode: a table copy would drop the triggers.
    op.execute("ALTER TABLE audit_event DROP COLUMN signature")
    op.execute("ALTER TABLE audit_event DROP COLUMN signed_by")
