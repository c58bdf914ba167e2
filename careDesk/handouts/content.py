"""The patient handout: the care plan turned into simple steps (issue 6,
docs/architecture.md#handouts).

Sections, each left out when the record has nothing for it: "My care plan" (goals in the
patient's own words, what I do each day, who to call), "My medicines" (Universal Medication
Schedule grid), "My appointments", "Warning signs", "Community help" and the teach-back
checklist. Every sentence is a phrase from the library filled with facts from the record:
nothing is invented. Health-literacy rules:
docs/clinical-sources.md#health-literacy-for-handouts (AMA
grade ≤ 6, short sentences, no abbreviations).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from careDesk.handouts.document import (
    Block,
    Bullets,
    HandoutContent,
    PageFrame,
    Para,
    Section,
    Spacer,
    Subheading,
)
from careDesk.handouts.measure_words import reading_words
from careDesk.handouts.medicines import medicines_section
from careDesk.handouts.phrases import Phrasebook
from careDesk.handouts.record import PatientRecord
from careDesk.handouts.template_words import mark_as_written, plan_line
from careDesk.handouts.warning_signs import (
    groups_for,
    is_warning_activity,
    template_groups,
    warning_section,
)
from careDesk.handouts.wording import date_and_time, plain, schedule_words, sentence, short_date
from careDesk.model.plan import Activity, Goal, Owner

MAX_APPOINTMENTS = 6
HELPERS = (Owner.PATIENT, Owner.CAREGIVER)


@dataclass(frozen=True)
class ClinicInfo:
    """The clinic as printed on every page (settings ``clinic.name``/``phone``/``address``)."""

    name: str
    phone: str
    address: str = ""
    logo: Path | None = None


def page_frame(book: Phrasebook, clinic: ClinicInfo, person: str, today: date) -> PageFrame:
    """Header and footer lines for one person's document, in ``book``'s language."""
    return PageFrame(
        clinic_name=clinic.name,
        clinic_line=book.text("frame.phone", phone=clinic.phone) if clinic.phone else "",
        person_line=book.text("frame.for", name=person) if person else "",
        date_line=book.text("frame.date", date=short_date(book, today)),
        page_of=book.raw("frame.page_of"),
        logo=clinic.logo,
    )


def _plan_text(book: Phrasebook, record: PatientRecord, text: str, field: str) -> tuple[str, bool]:
    """A stored plan line in the handout's language, and whether staff typed it (not a template)."""
    line, staff = plan_line(book, record.template_words, text)
    return sentence(plain(book, line, field=field)), staff


def _marked(book: Phrasebook, line: str, staff: bool) -> str:
    return mark_as_written(book, line) if staff else line


def _goal_text(book: Phrasebook, record: PatientRecord, goal: Goal) -> str:
    """The goal in the patient's words, then its last value and target when it is linked to a
    measure ("Your last A1c was 8.2% on March 3, 2026. Your goal is below 7%.")."""
    words = _goal_words(book, record, goal)
    reading = record.readings.get(goal.id)
    extra = reading_words(book, reading, record.zone) if reading is not None else ""
    return f"{words} {extra}" if extra else words


def _goal_words(book: Phrasebook, record: PatientRecord, goal: Goal) -> str:
    if goal.patient_words:
        return _marked(book, *_plan_text(book, record, goal.patient_words, "goal"))
    problem = next((p for p in record.problems if p.id == goal.problem_id), None)
    condition = next(
        (c for c in record.conditions if problem is not None and c.id == problem.condition_id),
        None,
    )
    for group in groups_for(condition) if condition is not None else []:
        if book.has(f"goal_fallback.{group}"):
            return book.text(f"goal_fallback.{group}")
    return _marked(book, *_plan_text(book, record, goal.description, "goal"))


def _activity_text(book: Phrasebook, record: PatientRecord, activity: Activity) -> str:
    text = activity.patient_words or activity.description
    what, staff = _plan_text(book, record, text, "activity")
    if activity.owner == Owner.CAREGIVER:
        who = activity.owner_name or book.text("plan.caregiver")
        what = book.text("plan.helper_does", who=who, what=what)
    when = schedule_words(book, activity.schedule)
    line = f"{what} {book.text('plan.when', schedule=when)}" if when else what
    return _marked(book, line, staff)


def who_to_call(book: Phrasebook, record: PatientRecord, clinic: ClinicInfo) -> list[Block]:
    """The care coordinator's name and how to reach them (their phone, else the clinic's)."""
    lines: list[Block] = []
    coordinator = record.coordinator
    if coordinator is not None:
        lines.append(Para(book.text("plan.coordinator", name=coordinator.name)))
        if coordinator.phone:
            text = book.text(
                "plan.coordinator_phone", name=coordinator.name, phone=coordinator.phone
            )
            lines.append(Para(text))
    if clinic.phone:
        key = "plan.clinic_phone" if clinic.name else "plan.clinic_phone_plain"
        lines.append(Para(book.text(key, clinic=clinic.name, phone=clinic.phone)))
    return lines


def care_plan_section(
    book: Phrasebook, record: PatientRecord, clinic: ClinicInfo
) -> Section | None:
    """ "My care plan": goals, what I do each day, who to call."""
    blocks: list[Block] = []
    goals = [_goal_text(book, record, g) for g in record.goals]
    if goals:
        blocks += [Subheading(book.text("section.goals")), Bullets(tuple(goals))]
    daily = [
        _activity_text(book, record, a)
        for a in record.activities
        if a.owner in HELPERS and not is_warning_activity(a)
    ]
    if daily:
        blocks += [Subheading(book.text("section.daily")), Bullets(tuple(daily))]
    calls = who_to_call(book, record, clinic)
    if calls:
        blocks += [Subheading(book.text("section.who_to_call")), *calls]
    if not blocks:
        return None
    return Section("care_plan", book.text("section.care_plan"), tuple(blocks))


def appointments_section(book: Phrasebook, record: PatientRecord) -> Section | None:
    """ "My appointments": when, with whom, why, where or the video link, getting there."""
    blocks: list[Block] = []
    for appt in record.appointments[:MAX_APPOINTMENTS]:
        lines = []
        if appt.with_whom:
            lines.append(
                book.text(
                    "appointment.with", who=plain(book, appt.with_whom, field="appointment with")
                )
            )
        if appt.purpose:
            lines.append(
                book.text(
                    "appointment.about",
                    purpose=plain(book, appt.purpose, field="appointment purpose"),
                )
            )
        if appt.place:
            lines.append(book.text("appointment.where", place=appt.place))
        if appt.address:
            lines.append(book.text("appointment.address", address=appt.address))
        if appt.telehealth_url:
            lines.append(book.text("appointment.video", link=appt.telehealth_url))
        if appt.transport_note:
            lines.append(
                book.text(
                    "appointment.ride_note",
                    note=plain(book, appt.transport_note, field="ride note"),
                )
            )
        elif appt.transport_needed:
            lines.append(book.text("appointment.ride"))
        when = date_and_time(book, appt.starts_at.astimezone(record.zone))
        if blocks:
            blocks.append(Spacer())
        blocks += [Subheading(book.text("appointment.when", when=when)), Bullets(tuple(lines))]
    if not blocks:
        return None
    return Section("appointments", book.text("section.appointments"), tuple(blocks))


def community_section(book: Phrasebook, record: PatientRecord) -> Section | None:
    """ "Community help": each resource the patient was referred to, with phone and hours."""
    blocks: list[Block] = []
    for referral, resource in record.resources:
        lines = []
        if book.has(f"community.needs.{referral.need}"):
            need = book.text(f"community.needs.{referral.need}")
            lines.append(book.text("community.help_with", need=need))
        if resource.phone:
            lines.append(book.text("community.phone", phone=resource.phone))
        if resource.hours:
            lines.append(
                book.text(
                    "community.hours", hours=plain(book, resource.hours, field="resource hours")
                )
            )
        if resource.address:
            lines.append(book.text("community.address", address=resource.address))
        blocks += [Subheading(resource.name), Bullets(tuple(lines))]
    if not blocks:
        return None
    return Section("community", book.text("section.community"), tuple(blocks))


def teach_back_section(
    book: Phrasebook, record: PatientRecord, sections: list[Section]
) -> Section | None:
    """The few things the coordinator checks the patient can explain, from what was printed."""
    present = {s.key for s in sections}
    items = []
    if record.goals:
        items.append(book.text("teach_back.goals"))
    medicines = next((s for s in sections if s.key == "medicines"), None)
    if medicines is not None:
        items.append(book.text("teach_back.medicines"))
        if any(isinstance(b, Bullets) for b in medicines.blocks):
            items.append(book.text("teach_back.when_needed"))
    if "warning_signs" in present:
        items.append(book.text("teach_back.warning"))
    if "appointments" in present:
        items.append(book.text("teach_back.appointments"))
    if not items:
        return None
    items.append(book.text("teach_back.who_to_call"))
    blocks = (Para(book.text("teach_back.intro")), Bullets(tuple(items), checkbox=True))
    return Section("teach_back", book.text("section.teach_back"), blocks)


def patient_handout_content(
    book: Phrasebook,
    record: PatientRecord,
    clinic: ClinicInfo,
    *,
    today: date,
    large_print: bool = False,
) -> HandoutContent:
    """The whole patient handout for ``record`` in ``book``'s language."""
    sections = [
        care_plan_section(book, record, clinic),
        medicines_section(book, record.medications),
        appointments_section(book, record),
        warning_section(book, record.conditions, template_groups(record.activities)),
        community_section(book, record),
    ]
    present = [s for s in sections if s is not None]
    teach = teach_back_section(book, record, present)
    if teach is not None:
        present.append(teach)
    return HandoutContent(
        kind="patient_handout",
        title=book.text("title.patient_handout"),
        language=book.language,
        frame=page_frame(book, clinic, record.display_name, today),
        sections=tuple(present),
        large_print=large_print,
    )
