"""Risk score: the discharge a LACE score belongs to, and the rules it was computed by
(schema 3, issue 15)

LACE predicts death or unplanned readmission within 30 days of a discharge (van Walraven C et
al., CMAJ 2010;182:551-7). The worklist and the chart show the discharge date next to the score
so an old one is not read as current. ``rules_version`` records which scoring rules produced a
row: rows from older rules (0 for every row written before this schema) are recomputed when the
reminder clock starts, instead of waiting for the nightly refresh.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("risk_score", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lace_discharged", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("rules_version", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("risk_score", schema=None) as batch_op:
        batch_op.drop_column("rules_version")
        batch_op.drop_column("lace_discharged")
