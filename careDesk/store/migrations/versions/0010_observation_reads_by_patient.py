"""Observations are read by patient only (schema 10, issue 21): the ``loinc`` and
``effective`` indexes go.

Every read of ``observation`` in careDesk names a patient, or a chunk of patients (the risk
refresh), and goes through ``ix_observation_patient_id``
(``tests/careDesk/care/test_observation_plans.py`` pins the plans). The two indexes served no
query, cost every insert two more b-tree writes, and were the two longest
single statements of a new workstation's first sync (about 1.0–1.4 s and 0.4–0.6 s for a
50,000-patient clinic's 941,000 observations, during which a save could not go first).

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # IF EXISTS: a vault whose first sync stopped mid-table may not have them (bulkload.py).
    op.execute("DROP INDEX IF EXISTS ix_observation_effective")
    op.execute("DROP INDEX IF EXISTS ix_observation_loinc")


def downgrade() -> None:
    op.execute("CREATE INDEX IF NOT EXISTS ix_observation_loinc ON observation (loinc)")
    op.execute("CREATE INDEX IF NOT EXISTS ix_observation_effective ON observation (effective)")
