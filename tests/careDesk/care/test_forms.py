"""The one form layer, seen through the verbs: every aggregate takes and refuses the same phone
numbers, e-mail addresses and dates, names the field in plain words, and an update changes only
what it was given.

Issue 18 found three disagreements between two validation systems: "555 0102 ext 4" was taken
for a patient but refused for a care-team member or a community resource, and "123" and
"a@b.c" the other way round. The tests below run each over every aggregate with contacts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from careDesk.care.demo.catalog import catalog
from careDesk.care.forms.team import OrganizationCreate
from careDesk.care.resources import ResourceCreate
from careDesk.desk import Desk
from careDesk.errors import ValidationFailed
from careDesk.model.team import CareTeamMember
from tests.careDesk.care.support_records import audit_details, make_patient

Add = Callable[[Desk, str, dict[str, Any]], Any]
Update = Callable[[Desk, str, dict[str, Any]], Any]

# How each aggregate with a phone and an e-mail is added and changed (``pid``: a patient).
ADD: dict[str, Add] = {
    "patient": lambda d, pid, c: d.patients.create(
        mrn="F-2", given_name="Rosa", family_name="Muñoz", birth_date=date(1950, 3, 2), **c
    ),
    "family member": lambda d, pid, c: d.patients.add_family(
        pid, name="Ana", relationship="daughter", **c
    ),
    "care-team member": lambda d, pid, c: d.team.add_member(
        pid, name="Dr. Haddad", role="primary care", **c
    ),
    "organization": lambda d, pid, c: d.team.add_organization(name="Riverside Clinic", **c),
    "provider": lambda d, pid, c: d.team.add_provider(name="Dr. Lee", **c),
    "community resource": lambda d, pid, c: d.resources.add(
        name="Eastside Food Pantry", category="food", **c
    ),
}
UPDATE: dict[str, Update] = {
    "patient": lambda d, rid, c: d.patients.update(rid, **c),
    "family member": lambda d, rid, c: d.patients.update_family(rid, **c),
    "care-team member": lambda d, rid, c: d.team.update_member(rid, **c),
    "organization": lambda d, rid, c: d.team.update_organization(rid, **c),
    "provider": lambda d, rid, c: d.team.update_provider(rid, **c),
    "community resource": lambda d, rid, c: d.resources.update(rid, **c),
}
AGGREGATES = list(ADD)
# What an error message must never show a coordinator: pydantic's own wording.
JARGON = ("Input should", "pydantic", "type=", "Value error", "validation error", "[")


@pytest.fixture
def pid(desk: Desk) -> str:
    return make_patient(desk, "F-1").id


def failure(call: Callable[[], Any]) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        call()
    return caught.value


@pytest.mark.parametrize("aggregate", AGGREGATES)
@pytest.mark.parametrize("phone", ["555 0102 ext 4", "+1 (555) 010-2030 x12", "555-0102 ext. 4"])
def test_a_phone_with_an_extension_is_taken_everywhere(
    desk: Desk, pid: str, aggregate: str, phone: str
) -> None:
    added = ADD[aggregate](desk, pid, {"phone": phone}).value
    assert added.phone == phone  # stored as typed
    changed = UPDATE[aggregate](desk, added.id, {"phone": "(713) 555-0141 extension 22"})
    assert changed.value.phone == "(713) 555-0141 extension 22"


@pytest.mark.parametrize("aggregate", AGGREGATES)
@pytest.mark.parametrize("phone", ["123", "555 01", "call her daughter", "555 0102 ext"])
def test_a_number_that_reaches_no_one_is_refused_everywhere(
    desk: Desk, pid: str, aggregate: str, phone: str
) -> None:
    error = failure(lambda: ADD[aggregate](desk, pid, {"phone": phone}))
    assert error.field == "phone" and str(error).startswith("phone: ")
    assert phone not in str(error)  # the value typed is never repeated
    added = ADD[aggregate](desk, pid, {}).value
    assert failure(lambda: UPDATE[aggregate](desk, added.id, {"phone": phone})).field == "phone"


@pytest.mark.parametrize("aggregate", AGGREGATES)
@pytest.mark.parametrize("email", ["a@b.c", "rosa at example.org", "rosa@example", "@example.org"])
def test_an_address_mail_cannot_reach_is_refused_everywhere(
    desk: Desk, pid: str, aggregate: str, email: str
) -> None:
    error = failure(lambda: ADD[aggregate](desk, pid, {"email": email}))
    assert error.field == "email" and str(error).startswith("e-mail: ")
    assert "name@example.org" in error.reason


@pytest.mark.parametrize("aggregate", AGGREGATES)
@pytest.mark.parametrize("email", ["rosa.munoz@correo.example.mx", "a@b.co", "josé@ejemplo.es"])
def test_a_real_address_is_taken_everywhere(
    desk: Desk, pid: str, aggregate: str, email: str
) -> None:
    assert ADD[aggregate](desk, pid, {"email": email}).value.email == email


def test_only_the_resource_directory_lists_three_digit_service_lines(desk: Desk, pid: str) -> None:
    """988 (Suicide and Crisis Lifeline) and 211 are real numbers for a directory entry, but
    outreach dials and texts a patient's or team member's number: never a crisis line."""
    crisis = desk.resources.add(name="988 Lifeline", category="mental_health", phone="988")
    assert crisis.value.phone == "988"
    for aggregate in ("patient", "care-team member", "family member"):
        assert failure(lambda a=aggregate: ADD[a](desk, pid, {"phone": "988"})).field == "phone"


def test_the_search_column_keeps_the_digits_without_the_extension(desk: Desk) -> None:
    rosa = ADD["patient"](desk, "", {"phone": "+1 (555) 010-2030 x12"}).value
    assert [row.id for row in desk.patients.search("555-010-2030")] == [rosa.id]
    assert [row.id for row in desk.patients.search("5550102030")] == [rosa.id]


@pytest.mark.parametrize(
    ("call", "field", "expected"),
    [
        (lambda d, p: d.patients.create(mrn="F-3", given_name="Li", family_name="Wu",
                                        birth_date="12/02/1950").value.birth_date,
         "birth_date", date(1950, 12, 2)),
        (lambda d, p: d.patients.set_consent(p, consent_program=True,
                                             consent_program_on="01/15/2025").value
         .consent_program_on, "consent_program_on", date(2025, 1, 15)),
        (lambda d, p: d.clinical.add_condition(p, display="Asthma", onset="3/4/2015").value.onset,
         "onset", date(2015, 3, 4)),
        (lambda d, p: d.clinical.add_medication(p, name="Metformin 500 mg",
                                                start_date="12/02/2026").value.start_date,
         "start_date", date(2026, 12, 2)),
        (lambda d, p: d.timeline.add_time(p, minutes=20, activity="care plan",
                                          on_date="12/02/2025").value.on_date,
         "on_date", date(2025, 12, 2)),
        (lambda d, p: d.plans.add_goal(
            d.plans.add_problem(d.plans.ensure_active(p).value.id, description="Diabetes")
            .value.id, description="A1c below 8", due_date="06/30/2027").value.due_date,
         "due_date", date(2027, 6, 30)),
    ],
)  # fmt: skip
def test_a_us_date_is_read_month_first_where_dates_are_typed(
    desk: Desk, pid: str, call: Callable[[Desk, str], date], field: str, expected: date
) -> None:
    """US clinics write 12/02/2026 for 2 December 2026, as the CSV importer already reads it."""
    assert call(desk, pid) == expected


@pytest.mark.parametrize("typed", ["31/12/2020", "2/3/26", "tomorrow", "2020-02-30", "0226-01-01"])
def test_a_date_that_is_not_one_names_the_field_and_the_formats(desk: Desk, typed: str) -> None:
    error = failure(
        lambda: desk.patients.create(mrn="F-4", given_name="Li", family_name="Wu", birth_date=typed)
    )
    assert error.field == "birth_date" and str(error).startswith("birth date: ")
    assert "YYYY-MM-DD or MM/DD/YYYY" in error.reason or "between" in error.reason
    assert typed not in str(error)


@pytest.mark.parametrize(
    ("call", "field", "label"),
    [
        (lambda d, p: d.patients.create(mrn="F-5", given_name="Li", family_name="Wu",
                                        birth_date="1950-01-01", interpreter_needed="maybe"),
         "interpreter_needed", "interpreter needed"),
        (lambda d, p: d.patients.create(mrn="has space", given_name="Li", family_name="Wu",
                                        birth_date="1950-01-01"), "mrn", "MRN"),
        (lambda d, p: d.patients.create(mrn="F-6", given_name=12, family_name="Wu",
                                        birth_date="1950-01-01"), "given_name", "given name"),
        (lambda d, p: d.patients.create(mrn="F-7", family_name="Wu", birth_date="1950-01-01"),
         "given_name", "given name"),
        (lambda d, p: d.patients.update(p, preferred_name="x" * 101),
         "preferred_name", "preferred name"),
        (lambda d, p: d.patients.update(p, birth_date=date(2999, 1, 1)),
         "birth_date", "birth date"),
        (lambda d, p: d.clinical.add_condition(p, display="Asthma", icd10="asthma"),
         "icd10", "ICD-10-CM code"),
        (lambda d, p: d.clinical.add_medication(p, name="Insulin", dose_amount="lots"),
         "dose_amount", "dose amount"),
        (lambda d, p: d.clinical.add_medication(p, name="Insulin", times_per_day=30),
         "times_per_day", "times a day"),
        (lambda d, p: d.clinical.add_medication(p, name="Insulin", slots=7),
         "slots", "slots"),
        (lambda d, p: d.clinical.add_allergy(p, substance="Penicillin", severity="deadly"),
         "severity", "severity"),
        (lambda d, p: d.team.add_member(p, name="Kim", role="nurse", lead="perhaps"),
         "lead", "lead"),
        (lambda d, p: d.resources.add(name="Pantry", category="groceries"),
         "category", "category"),
        (lambda d, p: d.resources.add(name="Pantry", category="food", languages="english"),
         "languages", "languages"),
        (lambda d, p: d.appointments.create(p, starts_at="2026-03-01 09:00"),
         "starts_at", "starts at"),
        (lambda d, p: d.followups.create(p, kind="call", title="Call", due_at="2026-03-01T09:00Z",
                                         recurrence="every week"),
         "recurrence", "repeat rule"),
        (lambda d, p: d.timeline.add_note(p, summary="Called", minutes=0), "minutes", "minutes"),
        (lambda d, p: d.team.add_provider(name="Dr. X", shoe_size=9), "shoe_size", "shoe size"),
    ],
)  # fmt: skip
def test_each_error_names_its_field_in_plain_words(
    desk: Desk, pid: str, call: Callable[[Desk, str], Any], field: str, label: str
) -> None:
    error = failure(lambda: call(desk, pid))
    assert error.field == field
    assert str(error).startswith(f"{label}: ") and error.reason
    assert not any(word in str(error) for word in JARGON), str(error)


def test_an_update_applies_only_the_fields_it_was_given(desk: Desk, pid: str) -> None:
    member = ADD["care-team member"](
        desk, pid, {"phone": "555 0102 ext 4", "email": "haddad@riverside.example"}
    ).value
    changed = desk.team.update_member(member.id, role="cardiology").value
    assert (changed.name, changed.phone, changed.email, changed.role) == (
        "Dr. Haddad",
        "555 0102 ext 4",
        "haddad@riverside.example",
        "cardiology",
    )
    assert audit_details(desk, pid, "care_team.update") == [{"fields": ["role"]}]
    assert desk.team.update_member(member.id, email="").value.email is None  # cleared
    error = failure(lambda: desk.team.update_member(member.id, role=""))
    assert (error.field, error.reason) == ("role", "cannot be empty")
    patient = desk.patients.update(pid, city="Tucson").value
    assert (patient.city, patient.birth_date, patient.given_name) == (
        "Tucson",
        date(1950, 4, 2),
        "Ana",
    )


def test_rows_saved_under_an_older_rule_still_read_and_edit(desk: Desk, pid: str) -> None:
    """A care-team member's phone "123" was accepted before issue 18 (and a synced row may
    carry anything): reading it never fails, and editing another field leaves it alone."""
    with desk.writing() as tx:
        old = tx.add(
            CareTeamMember(patient_id=pid, name="Kim", role="nurse", phone="123", email="a@b.c"),
            kind="care_team_member",
            patient_id=pid,
        )
    assert [(m.phone, m.email) for m in desk.team.members(pid)] == [("123", "a@b.c")]
    assert desk.team.update_member(old.id, role="charge nurse").value.phone == "123"


@pytest.mark.parametrize("dose", [".5 mg", "take .5 tablet", "5.0 mg", "2.50 mg", "1,0 mg"])
def test_a_dose_written_the_error_prone_way_is_refused(desk: Desk, pid: str, dose: str) -> None:
    """The Joint Commission "Do Not Use" list and the ISMP List of Error-Prone Abbreviations,
    Symbols, and Dose Designations (2021): no trailing zero (5.0 mg read as 50 mg) and always a
    leading zero (.5 mg read as 5 mg). The dose prints on the patient's handout."""
    error = failure(lambda: desk.clinical.add_medication(pid, name="Warfarin", dose=dose))
    assert error.field == "dose" and ("zero" in error.reason)


@pytest.mark.parametrize("dose", ["0.5 mg", "1,000 mg", "2,5 mg", "10 units", "1 tableta"])
def test_a_dose_written_safely_is_taken(desk: Desk, pid: str, dose: str) -> None:
    assert desk.clinical.add_medication(pid, name="Warfarin", dose=dose).value.dose == dose


def test_the_written_and_structured_dose_never_disagree(desk: Desk, pid: str) -> None:
    """Handouts print the written dose; the coordination checks compare the structured one."""
    error = failure(
        lambda: desk.clinical.add_medication(
            pid, name="Metformin", dose="1000 mg", dose_amount=500, dose_unit="mg"
        )
    )
    assert error.field == "dose"
    med = desk.clinical.add_medication(
        pid, name="Metformin", dose="500 mg", dose_amount=500, dose_unit="mg"
    ).value
    kept = desk.clinical.update_medication(med.id, dose="500 mg", purpose="for sugar").value
    assert (kept.dose, kept.dose_amount, kept.dose_unit) == ("500 mg", 500, "mg")
    changed = desk.clinical.update_medication(med.id, dose="1000 mg").value
    assert (changed.dose, changed.dose_amount, changed.dose_unit) == ("1000 mg", None, None)


def test_the_demo_directory_passes_the_form_rules() -> None:
    """The demo writes its directory rows directly; each must still be editable through the
    forms (a row the form would refuse cannot be saved again from its edit dialog)."""
    for spec in catalog().resources:
        assert ResourceCreate.parse(spec).name == spec["name"]
    for org in catalog().clinic["organizations"]:
        fields = {k: v for k, v in org.items() if k not in ("key",)}
        assert OrganizationCreate.parse(fields).name == org["name"]
