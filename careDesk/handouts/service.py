"""``desk.handouts``: build, preview and print handouts and the other printed documents.

Printing needs the PRINT permission and writes one ``print`` audit event per patient
(docs/architecture.md#the-audit-trail). The language and large-print choice made when
printing is remembered for the patient
(:class:`HandoutPreference`). PDFs come back as bytes; the caller writes them where the user
asked (:func:`careDesk.handouts.render.write_pdf`), so no patient data lands in temp files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from careDesk.errors import NotFound, ValidationFailed
from careDesk.handouts.content import ClinicInfo, patient_handout_content
from careDesk.handouts.document import HandoutContent
from careDesk.handouts.documents import (
    letter_content,
    recovery_content,
    referral_content,
    transition_content,
)
from careDesk.handouts.phrases import FALLBACK, phrasebook, supported
from careDesk.handouts.record import PatientRecord, find_patient, load_record, zone_named
from careDesk.handouts.render import render
from careDesk.model.base import stable_id, utcnow
from careDesk.model.handout import HandoutPreference
from careDesk.model.referral import Referral
from careDesk.model.schedule import Appointment
from careDesk.model.timeline import Transition
from careDesk.security.roles import Permission

if TYPE_CHECKING:
    from careDesk.desk import Desk, Tx


@dataclass(frozen=True)
class HandoutChoice:
    """How a patient's handouts print: language code and large print."""

    language: str
    large_print: bool


def render_recovery_sheet(
    clinic_name: str, recovery_key: str, *, today: date | None = None
) -> bytes:
    """The recovery-key sheet as PDF bytes (usable before any desk is open, e.g. at setup)."""
    content = recovery_content(clinic_name, recovery_key, today=today or date.today())
    return render([content])


@dataclass(frozen=True)
class _Setting:
    """The clinic settings a document needs, read once (one session) per verb."""

    clinic: ClinicInfo
    zone: str
    today: date


class Handouts:
    """Handouts and printed documents for one signed-in desk."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    # ----- clinic and choices ----------------------------------------------------------------
    def clinic(self) -> ClinicInfo:
        """Name, phone, address and logo from the clinic settings."""
        return self._setting().clinic

    def _setting(self) -> _Setting:
        # Read before any other session opens: every session holds the write lock (BEGIN
        # IMMEDIATE), so no second one may open inside it.
        values = self.desk.settings.all()
        # The logo is the clinic's own file (the clinic.logo setting); none is shipped.
        logo = Path(values["clinic.logo"]).expanduser() if values.get("clinic.logo") else None
        clinic = ClinicInfo(
            name=values["clinic.name"],
            phone=values["clinic.phone"],
            address=values["clinic.address"],
            logo=logo if logo is not None and logo.is_file() else None,
        )
        zone = values.get("clinic.timezone", "")
        return _Setting(clinic, zone, utcnow().astimezone(zone_named(zone)).date())

    def choice(self, patient: str) -> HandoutChoice:
        """The remembered choice for a patient (else their own language, normal print)."""
        self.desk.require(Permission.READ)
        with self.desk.reading() as session:
            return _resolve(_load(session, patient, ""), None, None)

    def remember(
        self, patient: str, *, language: str | None, large_print: bool | None
    ) -> HandoutChoice:
        """Store a patient's language and large-print choice for later handouts."""
        if language is not None:
            phrasebook(language)  # refuses unknown languages with a clear message
        with self.desk.writing(Permission.EDIT) as tx:
            found = find_patient(tx.session, patient)
            _store_choice(tx, found.id, language, large_print)
        return self.choice(found.id)

    # ----- the patient handout ---------------------------------------------------------------
    def patient_content(
        self, patient: str, language: str | None = None, large_print: bool | None = None
    ) -> HandoutContent:
        """The handout's content (for a preview); nothing is printed or audited."""
        self.desk.require(Permission.READ)
        setting = self._setting()
        with self.desk.reading() as session:
            record = _load(session, patient, setting.zone)
        return _handout(record, setting, language, large_print)

    def patient_handout(
        self, patient: str, language: str | None = None, large_print: bool | None = None
    ) -> bytes:
        """The patient handout as PDF bytes; audited as a print, choices remembered.

        Read, render and audit happen in one transaction: the audit event describes exactly
        what was printed, and a failure leaves no audit event.
        """
        self.desk.require(Permission.PRINT)
        setting = self._setting()
        with self.desk.writing(Permission.PRINT) as tx:
            record = _load(tx.session, patient, setting.zone)
            content = _handout(record, setting, language, large_print)
            data = render([content])
            if language is not None or large_print is not None:
                _store_choice(tx, record.patient.id, content.language, content.large_print)
            _audit_print(tx, record.patient.id, content)
        return data

    def batch_for_appointments(self, day: date) -> bytes:
        """One PDF with the handout of every patient who has an appointment on ``day``."""
        self.desk.require(Permission.PRINT)
        setting = self._setting()
        start = datetime.combine(day, time(0), zone_named(setting.zone))
        with self.desk.writing(Permission.PRINT) as tx:
            printed: list[tuple[str, HandoutContent]] = []
            for patient_id in _patients_seen(tx.session, start, start + timedelta(days=1)):
                patient = find_patient(tx.session, patient_id)
                record = load_record(tx.session, patient, now=start, clinic_zone=setting.zone)
                printed.append((patient_id, _handout(record, setting, None, None)))
            if not printed:
                raise ValidationFailed("day", f"no appointments on {day.isoformat()}")
            data = render([content for _, content in printed])
            for patient_id, content in printed:
                _audit_print(tx, patient_id, content, batch=day.isoformat())
        return data

    # ----- other documents -------------------------------------------------------------------
    def transition_summary(
        self,
        patient: str,
        transition_id: str | None = None,
        language: str | None = None,
        large_print: bool | None = None,
    ) -> bytes:
        """The discharge/transition summary (the latest transition unless one is named)."""

        def build(record: PatientRecord, setting: _Setting) -> HandoutContent:
            transition = _pick_transition(record, transition_id)
            chosen = _resolve(record, language, large_print)
            return transition_content(
                phrasebook(chosen.language),
                record,
                transition,
                setting.clinic,
                today=setting.today,
                large_print=chosen.large_print,
            )

        return self._print(patient, build)

    def outreach_letter(
        self, patient: str, body: str, language: str | None = None, large_print: bool | None = None
    ) -> bytes:
        """A letter to the patient with ``body`` (paragraphs split on blank lines)."""
        if not body.strip():
            raise ValidationFailed("body", "the letter is empty")

        def build(record: PatientRecord, setting: _Setting) -> HandoutContent:
            chosen = _resolve(record, language, large_print)
            return letter_content(
                phrasebook(chosen.language),
                record,
                body,
                setting.clinic,
                today=setting.today,
                large_print=chosen.large_print,
            )

        return self._print(patient, build)

    def referral_summary(self, referral_id: str) -> bytes:
        """The one-page referral summary for the partner named in the referral."""
        with self.desk.reading() as session:
            referral = session.get(Referral, referral_id)
        if referral is None or referral.deleted_at is not None:
            raise NotFound("referral", referral_id)

        def build(record: PatientRecord, setting: _Setting) -> HandoutContent:
            return referral_content(record, referral, setting.clinic, today=setting.today)

        return self._print(referral.patient_id, build, entity_id=referral.id)

    def recovery_sheet(self, recovery_key: str) -> bytes:
        """The vault's recovery-key sheet (admins); the audit event never holds the key."""
        self.desk.require(Permission.ADMIN)
        setting = self._setting()
        data = render_recovery_sheet(setting.clinic.name, recovery_key, today=setting.today)
        with self.desk.writing(Permission.ADMIN) as tx:
            tx.audit("print", entity="recovery_sheet", detail={"document": "recovery"})
        return data

    # ----- helpers ---------------------------------------------------------------------------
    def _print(
        self,
        patient: str,
        build: Callable[[PatientRecord, _Setting], HandoutContent],
        entity_id: str = "",
    ) -> bytes:
        self.desk.require(Permission.PRINT)
        setting = self._setting()
        with self.desk.writing(Permission.PRINT) as tx:
            record = _load(tx.session, patient, setting.zone)
            content = build(record, setting)
            data = render([content])
            _audit_print(tx, record.patient.id, content, entity_id=entity_id)
        return data


def _load(session: Session, patient: str, zone: str) -> PatientRecord:
    return load_record(session, find_patient(session, patient), now=utcnow(), clinic_zone=zone)


def _handout(
    record: PatientRecord, setting: _Setting, language: str | None, large_print: bool | None
) -> HandoutContent:
    chosen = _resolve(record, language, large_print)
    return patient_handout_content(
        phrasebook(chosen.language),
        record,
        setting.clinic,
        today=setting.today,
        large_print=chosen.large_print,
    )


def _resolve(
    record: PatientRecord, language: str | None, large_print: bool | None
) -> HandoutChoice:
    pref = record.preference
    if language is not None:
        lang = phrasebook(language).language
    elif pref is not None and supported(pref.language):
        lang = phrasebook(pref.language or FALLBACK).language
    elif supported(record.patient.language):
        lang = phrasebook(record.patient.language).language
    else:
        lang = FALLBACK
    if large_print is None:
        large_print = pref.large_print if pref is not None else False
    return HandoutChoice(lang, large_print)


def _store_choice(tx: Tx, patient_id: str, language: str | None, large_print: bool | None) -> None:
    pref = tx.session.exec(
        select(HandoutPreference).where(HandoutPreference.patient_id == patient_id)
    ).first()
    if pref is None:
        pref = HandoutPreference(
            id=stable_id("handout_preference", patient_id), patient_id=patient_id
        )
        pref.language = language
        pref.large_print = bool(large_print)
        tx.add(pref, kind="handout_preference", patient_id=patient_id)
        return
    changed = False
    if language is not None and language != pref.language:
        pref.language, changed = language, True
    if large_print is not None and large_print != pref.large_print:
        pref.large_print, changed = large_print, True
    if changed:
        tx.touch(pref, kind="handout_preference", patient_id=patient_id)


def _audit_print(
    tx: Tx, patient_id: str, content: HandoutContent, *, entity_id: str = "", batch: str = ""
) -> None:
    detail: dict[str, object] = {
        "document": content.kind,
        "language": content.language,
        "large_print": content.large_print,
    }
    if batch:
        detail["batch"] = batch
    tx.audit(
        "print",
        entity=content.kind,
        entity_id=entity_id or patient_id,
        patient_id=patient_id,
        detail=detail,
    )


def _patients_seen(session: Session, start: datetime, end: datetime) -> list[str]:
    query = (
        select(Appointment.patient_id, Appointment.starts_at)
        .where(
            col(Appointment.deleted_at).is_(None),
            Appointment.status == "scheduled",
            col(Appointment.starts_at) >= start,
            col(Appointment.starts_at) < end,
        )
        .order_by(col(Appointment.starts_at))
    )
    ordered: dict[str, None] = {}
    for patient_id, _ in session.exec(query):
        ordered.setdefault(patient_id, None)
    return list(ordered)


def _pick_transition(record: PatientRecord, transition_id: str | None) -> Transition:
    if transition_id is not None:
        match = next((t for t in record.transitions if t.id == transition_id), None)
        if match is None:
            raise NotFound("transition", transition_id)
        return match
    if not record.transitions:
        raise ValidationFailed("transition", "this patient has no discharge or transition yet")
    return record.transitions[-1]
