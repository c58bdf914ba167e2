"""No diagnosis in a message (hazard log H-09): a text, e-mail or letter may be read by someone
other than the patient, so its whole text is checked before it is queued.

Principle: HIPAA minimum necessary, 45 CFR 164.502(b); the word list is careDesk's own
(``careDesk/schedule/sensitive_words.json``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from careDesk.desk import Desk
from careDesk.model.outreach import MessageState
from careDesk.model.schedule import Appointment
from careDesk.schedule import privacy, templates
from tests.careDesk.schedule.conftest import add_patient, configure_smtp

NOON = datetime(2027, 3, 10, 17, 0, tzinfo=UTC)


def _reminder_for(desk: Desk, place: str, *, conditions: tuple[str, ...] = ()) -> str:
    configure_smtp(desk, 25)
    patient = add_patient(desk, language="en")
    for name in conditions:
        desk.clinical.add_condition(patient.id, display=name)
    with desk.writing() as tx:
        tx.add(
            Appointment(patient_id=patient.id, starts_at=NOON + timedelta(days=1), place=place),
            kind="appointment",
            patient_id=patient.id,
        )
    desk.outbox.queue_appointment_reminders(now=NOON)
    [row] = desk.outbox.messages(patient_id=patient.id)
    return row.state


@pytest.mark.parametrize("language", templates.languages())
@pytest.mark.parametrize("template", templates.ALL_TEMPLATES)
def test_the_message_templates_themselves_reveal_nothing(template: str, language: str) -> None:
    values = {
        "first_name": "Rosa",
        "caregiver_name": "Ana",
        "clinic_name": "Riverside",
        "clinic_phone": "555-0100",
        "date": "Monday",
        "time": "9:00",
        "place": "Riverside Clinic, room 2",
    }
    rendered = templates.render(template, language, values)
    text = " ".join((rendered.subject, rendered.body, rendered.sms, rendered.letter))
    assert not privacy.reveals_health(text)


@pytest.mark.parametrize(
    "place",
    ["Oncology, 3rd floor", "Diabetes education room", "Clínica de VIH", "Behavioral Health wing"],
)
def test_a_place_that_names_a_condition_holds_the_reminder(desk: Desk, place: str) -> None:
    assert _reminder_for(desk, place) == MessageState.BLOCKED
    [row] = desk.outbox.messages()
    assert row.reason == privacy.HELD
    assert desk.outbox.send_due(now=NOON).sent == 0  # nothing leaves the workstation


def test_the_patients_own_condition_name_holds_the_reminder(desk: Desk) -> None:
    """Not on the word list, but the patient's own diagnosis: held all the same."""
    state = _reminder_for(
        desk, "Sickle cell clinic, room 4", conditions=("Sickle cell anemia (disorder)",)
    )
    assert state == MessageState.BLOCKED


@pytest.mark.parametrize("place", ["Riverside Clinic, room 2", "Still Water Health Center"])
def test_an_ordinary_place_is_queued(desk: Desk, place: str) -> None:
    assert _reminder_for(desk, place, conditions=("Essential hypertension",)) == "queued"
