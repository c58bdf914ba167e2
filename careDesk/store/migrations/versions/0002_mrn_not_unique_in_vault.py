"""Patient MRN: checked by the registry, not a unique index (schema 2, issue 10)

Two workstations can register the same MRN while apart. A unique index in each vault would stop
the second workstation's sync for good when the other's patient arrives; instead the clinic
server reports the duplicate and both records stay, with a review task to merge or correct
them. The registry still refuses a duplicate MRN typed on one workstation.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_patient_mrn", table_name="patient")
    op.create_index("ix_patient_mrn", "patient", ["mrn"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_patient_mrn", table_name="patient")
    op.create_index("ix_patient_mrn", "patient", ["mrn"], unique=True)
