"""Outreach both ways (schema 7, issue 20): WhatsApp consent, replies, opt-outs, caregivers

- ``patient.consent_whatsapp``; ``family_member``: whether the patient agreed the person
  receives messages, their own consent per channel, preferred channel and language;
- ``appointment.confirmed_at`` (a reply "C" confirms);
- ``outbox_message``: the caregiver it goes to, the id the far end gave it (Message-ID,
  WhatsApp id), the WhatsApp template payload, an attachment (a caregiver's handout copy), and
  ``patient_id`` may be empty (an answer to HELP from a number no one on file has);
- ``inbound_message`` (replies, kept on the workstation that fetched them) and ``opt_out``
  (addresses that replied STOP; replicated).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_text = sqlmodel.sql.sqltypes.AutoString
_time = sqlmodel.sql.sqltypes.UTCDateTime


def _record_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("id", _text(length=36), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("updated_at", _time(), nullable=False),
        sa.Column("changed_by", _text(length=36), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", _time(), nullable=True),
    ]


def _flag(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.false())


def upgrade() -> None:
    # Plain ADD COLUMN where it will do: it keeps the patient table's search triggers.
    op.add_column("patient", _flag("consent_whatsapp"))
    op.add_column("appointment", sa.Column("confirmed_at", _time(), nullable=True))
    for name in ("receives_messages", "consent_sms", "consent_email", "consent_whatsapp"):
        op.add_column("family_member", _flag(name))
    op.add_column("family_member", sa.Column("preferred_channel", _text(length=10)))
    op.add_column("family_member", sa.Column("language", _text(length=10)))

    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("family_member_id", _text(length=36), nullable=True))
        batch_op.add_column(sa.Column("payload", _text(), nullable=True))
        batch_op.add_column(sa.Column("attachment", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("attachment_name", _text(length=100), nullable=True))
        batch_op.add_column(sa.Column("external_id", _text(length=200), nullable=True))
        batch_op.alter_column("patient_id", existing_type=sa.VARCHAR(length=36), nullable=True)
        batch_op.create_index(
            batch_op.f("ix_outbox_message_external_id"), ["external_id"], unique=False
        )

    op.create_table(
        "opt_out",
        *_record_columns(),
        sa.Column("channel", _text(length=10), nullable=False),
        sa.Column("address", _text(length=200), nullable=False),
        sa.Column("since", _time(), nullable=False),
        sa.Column("keyword", _text(length=12), nullable=False),
        sa.Column("withdrew", _text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("opt_out", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_opt_out_address"), ["address"], unique=False)

    op.create_table(
        "inbound_message",
        *_record_columns(),
        sa.Column("source_key", _text(length=300), nullable=False),
        sa.Column("channel", _text(length=10), nullable=False),
        sa.Column("sender", _text(length=200), nullable=False),
        sa.Column("received_at", _time(), nullable=False),
        sa.Column("subject", _text(length=300), nullable=True),
        sa.Column("body", _text(), nullable=False),
        sa.Column("state", _text(length=10), nullable=False),
        sa.Column("reason", _text(length=300), nullable=True),
        sa.Column("patient_id", _text(length=36), nullable=True),
        sa.Column("family_member_id", _text(length=36), nullable=True),
        sa.Column("answers_message_id", _text(length=36), nullable=True),
        sa.Column("matched_by", _text(length=20), nullable=True),
        sa.Column("keyword", _text(length=12), nullable=True),
        sa.Column("action", _text(length=300), nullable=True),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_key"),
    )
    with op.batch_alter_table("inbound_message", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inbound_message_patient_id"), ["patient_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_inbound_message_received_at"), ["received_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_inbound_message_state"), ["state"], unique=False)


def downgrade() -> None:
    op.drop_table("inbound_message")
    op.drop_table("opt_out")
    # Messages with no patient (answers to HELP) cannot stay in a table that needs one.
    op.execute("DELETE FROM outbox_message WHERE patient_id IS NULL")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_message_external_id"))
        batch_op.alter_column("patient_id", existing_type=sa.VARCHAR(length=36), nullable=False)
        for name in ("external_id", "attachment_name", "attachment", "payload"):
            batch_op.drop_column(name)
        batch_op.drop_column("family_member_id")
    # Native DROP COLUMN (SQLite 3.35+): a table copy would drop the patient search triggers.
    for name in (
        "language",
        "preferred_channel",
        "consent_whatsapp",
        "consent_email",
        "consent_sms",
        "receives_messages",
    ):
        op.execute(f"ALTER TABLE family_member DROP COLUMN {name}")
    op.execute("ALTER TABLE appointment DROP COLUMN confirmed_at")
    op.execute("ALTER TABLE patient DROP COLUMN consent_whatsapp")
