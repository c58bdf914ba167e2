"""Referrals as a work queue (schema 8, issue 19): expected-by dates, endings, dated steps

- ``referral.expected_by``: the day the loop should have moved on ("late" after it);
- ``referral.ending``: how a closed referral ended (completed, declined, no_show, cancelled).
  Referrals closed before this schema keep an empty ending when they closed without a report
  (their reason says why) and become ``completed`` when the report had come back;
- ``referral_step``: each step as recorded (its day and a note), the referral's history.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_text = sqlmodel.sql.sqltypes.AutoString
_time = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.add_column("referral", sa.Column("expected_by", sa.Date(), nullable=True))
    op.add_column("referral", sa.Column("ending", _text(length=20), nullable=True))
    op.execute(
        "UPDATE referral SET ending = 'completed' "
        "WHERE state = 'closed' AND report_at IS NOT NULL"
    )
    op.create_table(
        "referral_step",
        sa.Column("id", _text(length=36), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("updated_at", _time(), nullable=False),
        sa.Column("changed_by", _text(length=36), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", _time(), nullable=True),
        sa.Column("patient_id", _text(length=36), nullable=False),
        sa.Column("referral_id", _text(length=36), nullable=False),
        sa.Column("step", _text(length=20), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("note", _text(length=500), nullable=True),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"]),
        sa.ForeignKeyConstraint(["referral_id"], ["referral.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("referral_step", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_referral_step_patient_id"), ["patient_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_referral_step_referral_id"), ["referral_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("referral_step")
    # Native DROP COLUMN (SQLite 3.35+), as 0007 does.
    op.drop_column("referral", "ending")
    op.drop_column("referral", "expected_by")
