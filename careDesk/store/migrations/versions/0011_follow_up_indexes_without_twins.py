"""Follow-ups lose the two indexes a longer one already serves (schema 11, issue 21): the
``status`` index is the first column of ``ix_follow_up_open_due`` (status, due_at) and the
``assignee_id`` index the first column of ``ix_follow_up_assignee_due`` (assignee_id, status,
due_at).

SQLite reads a leading column of a composite index as it would a one-column index, so no query
needs them (``tests/careDesk/care/test_follow_up_plans.py`` pins the plans of the reads that
filter on them). They cost every follow-up written two more b-tree writes, and a new
workstation's first sync 2,069 pages for a 50,000-patient clinic's 147,000 follow-ups.

Revision ID: 0011
Revises: 0010
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # IF EXISTS: a vault whose first sync stopped mid-table may not have them (bulkload.py).
    op.execute("DROP INDEX IF EXISTS ix_follow_up_status")
    op.execute("DROP INDEX IF EXISTS ix_follow_up_assignee_id")


def downgrade() -> None:
    op.execute("CREATE INDEX IF NOT EXISTS ix_follow_up_assignee_id ON follow_up (assignee_id)")
    op.execute("CREATE INDEX IF NOT EXISTS ix_follow_up_status ON follow_up (status)")
