"""Printed outreach: a batch of letters and a call list for staff, from the outbox.

Letters and phone calls are not sent by a server: staff print the batch, then the messages in
it count as sent (``Outbox.mark_printed``), each with its delivery record on the timeline.
Both documents come from the handout renderer, so they carry the clinic frame, page numbers
and the embedded font (accents and Vietnamese print).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlmodel import col, select

from careDesk.errors import ValidationFailed
from careDesk.handouts.content import page_frame
from careDesk.handouts.document import Grid, HandoutContent, Para, Section
from careDesk.handouts.documents import letter_content
from careDesk.handouts.phrases import phrasebook
from careDesk.handouts.record import load_record
from careDesk.handouts.render import render
from careDesk.model.base import utcnow
from careDesk.model.outreach import MessageState, OutboxMessage
from careDesk.model.patient import Patient
from careDesk.security.roles import Permission

if TYPE_CHECKING:
    from careDesk.desk import Desk


@dataclass(frozen=True)
class PrintBatch:
    """A PDF and the messages it holds (mark them printed once it is on paper)."""

    pdf: bytes
    message_ids: list[str]


def _queued(desk: Desk, channel: str) -> list[tuple[OutboxMessage, Patient]]:
    with desk.reading() as session:
        rows = session.exec(
            select(OutboxMessage, Patient)
            .join(Patient, col(Patient.id) == OutboxMessage.patient_id)
            .where(OutboxMessage.channel == channel)
            .where(OutboxMessage.state == MessageState.QUEUED)
            .order_by(col(Patient.family_name), col(Patient.given_name))
        ).all()
    return list(rows)


def letter_batch(desk: Desk) -> PrintBatch:
    """Every queued letter, one per patient page-set, in the patient's language."""
    desk.require(Permission.MESSAGE)
    queued = _queued(desk, "letter")
    if not queued:
        raise ValidationFailed("letters", "no letters are waiting to be printed")
    clinic = desk.handouts.clinic()
    zone_name = desk.settings.get("clinic.timezone")
    now = utcnow()
    documents: list[HandoutContent] = []
    with desk.reading() as session:
        for message, patient in queued:
            record = load_record(session, patient, now=now, clinic_zone=zone_name)
            book = phrasebook(message.language)
            today = now.astimezone(record.zone).date()
            documents.append(letter_content(book, record, message.body, clinic, today=today))
    return PrintBatch(render(documents), [m.id for m, _ in queued])


def call_list(desk: Desk) -> PrintBatch:
    """A staff call list: who to call, the number, their language, and why."""
    desk.require(Permission.MESSAGE)
    queued = _queued(desk, "phone")
    if not queued:
        raise ValidationFailed("calls", "no calls are waiting on the list")
    clinic = desk.handouts.clinic()
    book = phrasebook("en")
    today = utcnow().date()
    rows = tuple(
        (
            f"{p.given_name} {p.family_name}",
            p.phone or "",
            p.language,
            m.template.replace("_", " "),
            "",
        )
        for m, p in queued
    )
    content = HandoutContent(
        kind="call_list",
        title="Call list",
        language="en",
        frame=page_frame(book, clinic, "Care team", today),
        sections=(
            Section(
                "calls",
                f"Calls to make: {len(rows)}",
                (
                    Para("Call each person. Write what happened in the last column."),
                    Grid(("Name", "Phone", "Language", "Why", "What happened"), rows),
                ),
            ),
        ),
    )
    return PrintBatch(render([content]), [m.id for m, _ in queued])
