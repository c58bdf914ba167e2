"""Minutes for billing (schema 9, issue 19): the billing category of each time entry.

``time_entry.category`` names what the minutes count towards (CCM, complex CCM, PCM, BHI,
CoCM, TCM or none; ``careDesk/care/billing_codes.py``). Every row made before this schema was
counted as CCM time by the minutes report, so existing rows become ``ccm`` and keep meaning
what they meant.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_text = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    # Plain ADD COLUMN: no table copy, existing rows take the default.
    op.add_column(
        "time_entry",
        sa.Column("category", _text(length=20), nullable=False, server_default="ccm"),
    )


def downgrade() -> None:
    # Native DROP COLUMN (SQLite 3.35+), as 0007 does.
    op.execute("ALTER TABLE time_entry DROP COLUMN category")
