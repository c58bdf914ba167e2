"""The other printed documents, built with the same sections and renderer as the handout.

- transition summary: for the patient leaving the program (Transition in
  docs/architecture.md#the-care-process-in-the-code), in their
  language: why and when, who takes over, then their medicines, appointments, warning signs,
  care team and who to call;
- outreach letter: a letter body written by staff, framed with the clinic's letterhead;
- referral summary: one page for a referral partner (clinical wording, English);
- recovery-key sheet: the vault's recovery key, printed once at setup.
"""

from __future__ import annotations

from datetime import date

from careDesk.handouts.content import (
    ClinicInfo,
    appointments_section,
    page_frame,
    who_to_call,
)
from careDesk.handouts.document import (
    Block,
    Bullets,
    HandoutContent,
    PageFrame,
    Para,
    Section,
    Subheading,
)
from careDesk.handouts.medicines import medicines_section
from careDesk.handouts.phrases import Phrasebook, phrasebook
from careDesk.handouts.record import PatientRecord
from careDesk.handouts.safe_words import Context
from careDesk.handouts.warning_signs import template_groups, warning_section
from careDesk.handouts.wording import plain, short_date
from careDesk.model.clinical import Medication
from careDesk.model.referral import Referral
from careDesk.model.timeline import Transition


def _care_team_section(book: Phrasebook, record: PatientRecord, clinic: ClinicInfo) -> Section:
    members = [
        ", ".join(
            x for x in (m.name, plain(book, m.role, field="care team role"), m.phone or "") if x
        )
        for m in record.care_team
    ]
    blocks: list[Block] = [Bullets(tuple(members))] if members else []
    blocks += who_to_call(book, record, clinic)
    return Section("care_team", book.text("section.care_team"), tuple(blocks))


def transition_content(
    book: Phrasebook,
    record: PatientRecord,
    transition: Transition,
    clinic: ClinicInfo,
    *,
    today: date,
    large_print: bool = False,
) -> HandoutContent:
    """The discharge/transition summary for the patient, in ``book``'s language."""
    reason_key = f"transition.reasons.{transition.reason}"
    reason = (
        book.text(reason_key)
        if book.has(reason_key)
        else plain(book, transition.reason, field="transition reason")
    )
    leaving: list[Block] = [
        Para(book.text("transition.date", date=short_date(book, transition.on_date))),
        Para(book.text("transition.reason", reason=reason)),
    ]
    if transition.to_provider:
        leaving.append(Para(book.text("transition.next_provider", name=transition.to_provider)))
    leaving += [
        Para(plain(book, line, field="transition summary"))
        for line in transition.summary.splitlines()
        if line.strip()
    ]
    sections = [
        Section("leaving", book.text("section.leaving"), tuple(leaving)),
        medicines_section(book, record.medications),
        appointments_section(book, record),
        warning_section(book, record.conditions, template_groups(record.activities)),
        _care_team_section(book, record, clinic),
    ]
    return HandoutContent(
        kind="transition",
        title=book.text("title.transition"),
        language=book.language,
        frame=page_frame(book, clinic, record.display_name, today),
        sections=tuple(s for s in sections if s is not None and s.blocks),
        large_print=large_print,
    )


def letter_content(
    book: Phrasebook,
    record: PatientRecord,
    body: str,
    clinic: ClinicInfo,
    *,
    today: date,
    large_print: bool = False,
) -> HandoutContent:
    """An outreach letter: greeting, the staff's body text (paragraphs), closing, who to call."""
    first = record.patient.preferred_name or record.patient.given_name
    blocks: list[Block] = [Para(book.text("letter.dear", name=first))]
    paragraphs = [plain(book, p, field="letter") for p in body.replace("\r\n", "\n").split("\n\n")]
    blocks += [Para(p) for p in paragraphs if p]
    blocks.append(Para(book.text("letter.closing")))
    if record.coordinator is not None:
        blocks.append(Para(book.text("letter.from_coordinator", name=record.coordinator.name)))
    elif clinic.name:
        blocks.append(Para(clinic.name))
    calls = who_to_call(book, record, clinic)
    if clinic.address:
        blocks.append(Para(clinic.address))
    return HandoutContent(
        kind="letter",
        title=book.text("title.letter"),
        language=book.language,
        frame=page_frame(book, clinic, record.display_name, today),
        sections=(Section("letter", "", tuple(blocks + calls)),),
        large_print=large_print,
    )


def _listing(title: str, key: str, lines: list[str]) -> Section | None:
    return Section(key, title, (Bullets(tuple(lines)),)) if lines else None


def referral_content(
    record: PatientRecord, referral: Referral, clinic: ClinicInfo, *, today: date
) -> HandoutContent:
    """The referral summary page for a partner (staff-facing: clinical wording, English)."""
    book = phrasebook("en")
    p = record.patient
    who = [
        f"Name: {record.display_name}",
        f"Date of birth: {p.birth_date.isoformat()}",
        f"Record number: {p.mrn}",
        f"Language: {p.language}" + (" (needs an interpreter)" if p.interpreter_needed else ""),
    ]
    who += [f"Phone: {p.phone}"] if p.phone else []
    request = [
        f"To: {referral.to_name}" + (f" ({referral.specialty})" if referral.specialty else ""),
        f"Reason: {referral.reason}",
        f"Urgency: {referral.urgency}",
    ]
    request += [f"Notes: {referral.notes}"] if referral.notes else []
    sections = [
        _listing("Patient", "patient", who),
        _listing("Request", "request", request),
        _listing("Conditions", "conditions", [c.display for c in record.conditions]),
        _listing("Medicines", "medicines", [_med_line(m) for m in record.medications]),
        _listing("Allergies", "allergies", [_allergy_line(a) for a in record.allergies]),
        _listing("Care team", "care_team", [_member_line(m) for m in record.care_team]),
        Section("contact", "Care coordinator", tuple(who_to_call(book, record, clinic))),
    ]
    frame = page_frame(book, clinic, record.display_name, today)
    return HandoutContent(
        kind="referral",
        title=book.text("title.referral"),
        language="en",
        frame=frame,
        sections=tuple(s for s in sections if s is not None and s.blocks),
    )


def _med_line(med: Medication) -> str:
    """Name and dose in safe words (The Joint Commission "Do Not Use" list applies here too)."""
    book = phrasebook("en")
    context = Context(medicine=True, ingredient=med.ingredient or "")
    name = plain(book, med.name, field="medicine name", context=context)
    dose = plain(book, med.dose, field="medicine dose", context=context)
    return f"{name}, {dose}" if dose else name


def _allergy_line(allergy: object) -> str:
    reaction = getattr(allergy, "reaction", None)
    substance = str(getattr(allergy, "substance", ""))
    return f"{substance} ({reaction})" if reaction else substance


def _member_line(member: object) -> str:
    parts = [getattr(member, "name", ""), getattr(member, "role", ""), getattr(member, "phone", "")]
    return ", ".join(str(x) for x in parts if x)


RECOVERY_STEPS = (
    "Keep this sheet locked away, apart from the computer.",
    "Anyone with this key and the vault file can open every record: never photograph or e-mail it.",
    "Use it only when an admin password is lost: careDesk asks for this key, then for a new "
    "password.",
)


def recovery_content(clinic_name: str, recovery_key: str, *, today: date) -> HandoutContent:
    """The recovery-key sheet (staff-facing; the key appears on the page and nowhere else)."""
    book = phrasebook("en")
    frame = PageFrame(
        clinic_name=clinic_name or "careDesk",
        clinic_line="",
        person_line="Recovery key sheet",
        date_line=book.text("frame.date", date=short_date(book, today)),
        page_of=book.raw("frame.page_of"),
    )
    blocks: tuple[Block, ...] = (
        Para("Recovery key:", bold=True),
        Subheading(recovery_key),
        Bullets(RECOVERY_STEPS),
    )
    return HandoutContent(
        kind="recovery",
        title=book.text("title.recovery"),
        language="en",
        frame=frame,
        sections=(Section("recovery", "", blocks),),
    )
