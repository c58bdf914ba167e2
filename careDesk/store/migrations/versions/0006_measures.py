"""Measurement-based care: goals linked to a measure, observation panels, the treat-to-target
registry (schema 6, issue 17)

A goal can name the LOINC series it is measured by and keep its target as a rule (below, above,
between, lose) with its numbers and unit, read from the goal's target text
(``careDesk/care/measures/targets.py``), so its progress is computed from the measurements. An
observation remembers the panel it came in (85354-9 blood pressure), so systolic and diastolic
pair up again. ``registry_entry`` is derived data (like ``risk_score``): rebuilt by the risk
engine, never synced; an upgraded vault fills it when the scores are recomputed (the rules
version went up, see ``careDesk/care/risk/engine.py``).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("goal", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("measure_loinc", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True)
        )
        batch_op.add_column(
            sa.Column("target_rule", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True)
        )
        batch_op.add_column(sa.Column("target_value", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("target_value2", sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column("target_unit", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_goal_measure_loinc"), ["measure_loinc"], unique=False)
    with op.batch_alter_table("observation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("panel", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True)
        )
    op.create_table(
        "registry_entry",
        sa.Column("patient_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("registry_name", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=True),
        sa.Column("baseline2", sa.Float(), nullable=True),
        sa.Column("baseline_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("latest", sa.Float(), nullable=True),
        sa.Column("latest2", sa.Float(), nullable=True),
        sa.Column("latest_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("target_rule", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
        sa.Column("target_value", sa.Float(), nullable=True),
        sa.Column("target_value2", sa.Float(), nullable=True),
        sa.Column("at_goal", sa.Boolean(), nullable=True),
        sa.Column("computed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"]),
        sa.PrimaryKeyConstraint("patient_id", "registry_name"),
    )
    with op.batch_alter_table("registry_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registry_entry_registry_name"), ["registry_name"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("registry_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registry_entry_registry_name"))
    op.drop_table("registry_entry")
    with op.batch_alter_table("observation", schema=None) as batch_op:
        batch_op.drop_column("panel")
    with op.batch_alter_table("goal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_goal_measure_loinc"))
        batch_op.drop_column("target_unit")
        batch_op.drop_column("target_value2")
        batch_op.drop_column("target_value")
        batch_op.drop_column("target_rule")
        batch_op.drop_column("measure_loinc")
