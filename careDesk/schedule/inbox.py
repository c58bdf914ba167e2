"""Replies that come back (``desk.inbox``): fetched, matched, acted on, or left for a person.

:meth:`Inbox.fetch` reads every source the clinic set up: e-mail from the clinic mailbox
(IMAP over TLS, :mod:`.mailbox`), texts from the SMS gateway's inbound list and WhatsApp
replies from the relay (:mod:`.inbound`). Each reply is stored once (its source key) in its own
transaction with everything it causes: matched to a person (:mod:`.matching`) it lands on the
patient's timeline and raises a follow-up; its keyword acts (:mod:`.replies`); unmatched it
waits in :meth:`Inbox.unmatched` for a person to assign it to a patient, or dismiss it.
A source that fails does not stop the others; its reason is in the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import col, select

from careDesk.errors import NotFound, ValidationFailed
from careDesk.handouts.record import find_patient
from careDesk.model.outreach import InboundMessage, ReplyState
from careDesk.model.patient import FamilyMember
from careDesk.schedule import inbound, keywords, matching, replies
from careDesk.schedule.inbound import InboxFailure, Incoming
from careDesk.schedule.mailbox import ImapConfig, Mailbox
from careDesk.schedule.recipients import OutreachSettings
from careDesk.security.roles import Permission
from careDesk.security.urls import check_outbound_url
from careDesk.settings_secrets import service_secret

if TYPE_CHECKING:
    from careDesk.desk import Desk

TEXT_SOURCES = {
    "sms": ("sms.inbox_url", "sms.token"),
    "whatsapp": ("whatsapp.inbox_url", "whatsapp.token"),
}


@dataclass(frozen=True)
class ReplyRow:
    """A reply as staff see it."""

    id: str
    channel: str
    sender: str
    received_at: datetime
    subject: str | None
    body: str
    state: str
    reason: str | None
    patient_id: str | None
    family_member_id: str | None
    matched_by: str | None
    keyword: str | None
    action: str | None


@dataclass
class FetchReport:
    taken: int = 0
    matched: int = 0
    unmatched: int = 0
    rejected: int = 0  # items of a source's list not in the expected shape
    problems: list[str] = field(default_factory=list)


def _row(m: InboundMessage) -> ReplyRow:
    return ReplyRow(
        m.id,
        m.channel,
        m.sender,
        m.received_at,
        m.subject,
        m.body,
        m.state,
        m.reason,
        m.patient_id,
        m.family_member_id,
        m.matched_by,
        m.keyword,
        m.action,
    )


def reply_text(incoming: Incoming) -> str:
    """What the person wrote: an e-mail without the quoted message (its subject when the body
    is empty, "Re:" removed), a text as it is."""
    if incoming.channel != "email":
        return incoming.body.strip()
    text = keywords.new_text(incoming.body)
    if not text and incoming.subject:
        subject = incoming.subject.strip()
        while subject[:3].lower() in ("re:", "aw:", "rv:"):
            subject = subject[3:].strip()
        text = subject
    return text


class Inbox:
    """Reply verbs on an open desk."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    # ----- fetching -------------------------------------------------------------------------
    def configured(self) -> bool:
        settings = self.desk.settings
        keys = ("imap.host", "sms.inbox_url", "whatsapp.inbox_url")
        return any(settings.get(key) for key in keys)

    def fetch(self) -> FetchReport:
        """Take new replies from every source that is set up."""
        self.desk.require(Permission.MESSAGE)
        settings = OutreachSettings.read(self.desk)
        report = FetchReport()
        for channel, (url_key, token_key) in TEXT_SOURCES.items():
            url = settings.get(url_key)
            if not url:
                continue
            try:
                check_outbound_url(url_key, url)
                fetched = inbound.fetch_list(
                    url, service_secret(self.desk, token_key), channel, url_key
                )
            except (InboxFailure, ValidationFailed) as exc:
                report.problems.append(f"{channel}: {exc.message}")
                continue
            report.rejected += fetched.rejected
            for incoming in fetched.replies:
                self._count(report, self._take(incoming, settings))
        if settings.get("imap.host"):
            try:
                self._fetch_mail(settings, report)
            except InboxFailure as exc:
                report.problems.append(f"email: {exc.message}")
        return report

    def _fetch_mail(self, settings: OutreachSettings, report: FetchReport) -> None:
        config = ImapConfig(
            host=settings.get("imap.host"),
            port=int(settings.get("imap.port") or 993),
            security=settings.get("imap.security") or "tls",
            user=settings.get("imap.user"),
            password=service_secret(self.desk, "imap.password"),
            folder=settings.get("imap.folder") or "INBOX",
            ca_file=settings.get("imap.ca_file"),
        )
        with Mailbox(config) as box:
            stored: list[bytes] = []
            for uid, incoming in box.messages():
                taken = self._take(incoming, settings, known_only=True)
                self._count(report, taken)
                stored.append(uid)
            box.mark_taken(stored)

    @staticmethod
    def _count(report: FetchReport, row: InboundMessage | None) -> None:
        if row is None:
            return
        report.taken += 1
        report.matched += row.state == ReplyState.MATCHED
        report.unmatched += row.state == ReplyState.UNMATCHED

    def take(self, incoming: Incoming) -> ReplyRow | None:
        """Store and act on one reply (None when it was taken before)."""
        self.desk.require(Permission.MESSAGE)
        row = self._take(incoming, OutreachSettings.read(self.desk))
        return _row(row) if row is not None else None

    def _take(
        self, incoming: Incoming, settings: OutreachSettings, *, known_only: bool = False
    ) -> InboundMessage | None:
        """One reply in one transaction. ``known_only`` (the clinic mailbox, which also gets
        mail that has nothing to do with careDesk): a message that neither answers one careDesk
        sent nor comes from an address on file is left for the people reading the mailbox."""
        with self.desk.writing(Permission.MESSAGE) as tx:
            taken = tx.session.exec(
                select(InboundMessage.id).where(InboundMessage.source_key == incoming.key)
            ).first()
            if taken is not None:
                return None
            found = matching.match(tx.session, incoming)
            if known_only and found.person is None and not found.candidates:
                return None
            text = reply_text(incoming)
            row = InboundMessage(
                source_key=incoming.key,
                channel=incoming.channel,
                sender=incoming.sender,
                received_at=incoming.received_at,
                subject=incoming.subject,
                body=text or incoming.body,
                state=ReplyState.MATCHED if found.person else ReplyState.UNMATCHED,
                reason=found.reason,
                patient_id=found.person[0] if found.person else None,
                family_member_id=found.person[1] if found.person else None,
                answers_message_id=found.answers.id if found.answers else None,
                matched_by=found.how,
                keyword=keywords.keyword(text),
            )
            tx.add(row, kind="inbound_message", patient_id=row.patient_id)
            people = (found.person,) if found.person else found.candidates
            actions = replies.by_address(tx, settings, row, people)
            if found.person:
                actions += replies.for_person(tx, settings, row, found.answers)
            row.action = "; ".join(actions)[:300] or None
            tx.audit(
                "reply.received" if found.person else "reply.unmatched",
                entity="reply",
                entity_id=row.id,
                patient_id=row.patient_id,
                detail={
                    "channel": row.channel,
                    "matched_by": row.matched_by,
                    "keyword": row.keyword,
                    "reason": row.reason,
                },
            )
            return row

    # ----- listing ----------------------------------------------------------------------------
    def replies(
        self, *, states: tuple[str, ...] = (), patient_id: str | None = None, limit: int = 200
    ) -> list[ReplyRow]:
        """Replies newest first, optionally only in ``states`` or from one patient's people."""
        self.desk.require(Permission.READ)
        query = select(InboundMessage).order_by(col(InboundMessage.received_at).desc()).limit(limit)
        if states:
            query = query.where(col(InboundMessage.state).in_(states))
        if patient_id:
            query = query.where(InboundMessage.patient_id == patient_id)
        with self.desk.reading() as session:
            return [_row(m) for m in session.exec(query)]

    def unmatched(self) -> list[ReplyRow]:
        """Replies waiting for a person to say whose they are."""
        return self.replies(states=(ReplyState.UNMATCHED,))

    # ----- a person sorts them ----------------------------------------------------------------
    def assign(self, reply_id: str, patient: str, member_id: str | None = None) -> ReplyRow:
        """Say whose an unmatched reply is (the patient, by id or MRN, or one of their family
        members): it then lands on the timeline and acts as a matched one would."""
        self.desk.require(Permission.MESSAGE)
        settings = OutreachSettings.read(self.desk)
        with self.desk.writing(Permission.MESSAGE) as tx:
            row = tx.session.get(InboundMessage, reply_id)
            if row is None:
                raise NotFound("reply", reply_id)
            if row.state != ReplyState.UNMATCHED:
                raise ValidationFailed("reply", "only unmatched replies can be assigned")
            patient_id = find_patient(tx.session, patient).id
            if member_id is not None:
                member = tx.session.get(FamilyMember, member_id)
                if (
                    member is None
                    or member.deleted_at is not None
                    or member.patient_id != patient_id
                ):
                    raise ValidationFailed("family member", "not one of this patient's family")
            row.state, row.matched_by = ReplyState.ASSIGNED, "staff"
            row.patient_id, row.family_member_id = patient_id, member_id
            person = (patient_id, member_id)
            answered = matching.last_sent(tx.session, person, row.channel)
            row.answers_message_id = answered.id if answered else None
            actions = [row.action] if row.action else []
            if row.keyword == "stop":
                actions.append(replies.stop(tx, row, (person,)))
            actions += replies.for_person(tx, settings, row, answered)
            row.action = "; ".join(actions)[:300] or None
            tx.touch(row, kind="inbound_message", patient_id=patient_id)
            tx.audit(
                "reply.assign",
                entity="reply",
                entity_id=row.id,
                patient_id=patient_id,
                detail={"channel": row.channel, "caregiver": member_id},
            )
            return _row(row)

    def dismiss(self, reply_id: str) -> ReplyRow:
        """An unmatched reply that is no one's (a wrong number, spam): out of the list."""
        self.desk.require(Permission.MESSAGE)
        with self.desk.writing(Permission.MESSAGE) as tx:
            row = tx.session.get(InboundMessage, reply_id)
            if row is None:
                raise NotFound("reply", reply_id)
            if row.state != ReplyState.UNMATCHED:
                raise ValidationFailed("reply", "only unmatched replies can be dismissed")
            row.state = ReplyState.DISMISSED
            tx.touch(row, kind="inbound_message")
            tx.audit("reply.dismiss", entity="reply", entity_id=row.id)
            return _row(row)
