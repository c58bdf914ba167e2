"""No Do-Not-Use or error-prone abbreviation reaches paper (careDesk issue 15, item 3).

The forms and the words to write instead come from The Joint Commission Official "Do Not Use"
List (U, IU, Q.D./QD/q.d./qd, Q.O.D./QOD/q.o.d./qod, trailing zero "X.0 mg", missing leading zero
".X mg", MS/MSO4/MgSO4) and the ISMP List of Error-Prone Abbreviations, Symbols, and Dose
Designations (2021: SC/SQ/sub q → subcutaneously, qhs → nightly at bedtime, HS/hs). A record full
of them is printed as a real PDF — handout in every language, transition summary, letter,
referral summary and referral packet — and read back with pypdf.
"""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlmodel import select

from careDesk.desk import Desk
from careDesk.errors import ValidationFailed
from careDesk.handouts.phrases import phrasebook
from careDesk.handouts.wording import plain
from careDesk.model.clinical import Condition, Medication
from careDesk.model.patient import Patient
from careDesk.model.plan import Activity, CarePlan, Goal, Problem
from careDesk.model.referral import Referral
from careDesk.model.schedule import Appointment
from careDesk.model.security import User
from careDesk.model.timeline import Transition
from tests.careDesk.handouts import pdfcheck
from tests.careDesk.handouts.patients import fixed_now, set_up_clinic

# Written independently of careDesk.handouts.safe_words, from the two lists.
DO_NOT_USE = {
    "U after a number": r"\d\s?[Uu](?![\w]|\.\w)",
    "IU": r"(?<![\w.])(?:IU|I\.U\.)(?!\w)",
    "QD": r"(?<![\w.])[Qq]\.?[Dd](?:\.|(?!\w))",
    "QOD": r"(?<![\w.])[Qq]\.?[Oo]\.?[Dd](?:\.|(?!\w))",
    "trailing zero": r"(?<![\d.])\d+\.0+\s?(?:mg|mcg|g|mL|units?|unidades)\b",
    "no leading zero": r"(?<![\w.,])\.\d",
    "MS": r"(?<![\w.])MS(?!\w)",
    "MSO4/MgSO4": r"(?i)(?<![\w.])(?:MSO4|MgSO4)(?!\w)",
    "SC/SQ": r"(?<![\w.])(?:SC|SQ|sc|sq|subq|SUBQ|sub q)(?!\w)",
    "QAM/QPM/QHS": r"(?i)(?<![\w.])q\.?\s?(?:am|pm|hs|a\.m\.|p\.m\.|h\.s\.)(?!\w)",
    "HS": r"(?<![\w.])(?:HS|hs)(?!\w)",
}
SAFE_WORDS = {
    "en": ("10 units", "1000 international units", "Warfarin", "5 mg", "0.5 mg",
           "morphine sulfate", "magnesium sulfate", "under the skin", "every other day",
           "daily", "every morning", "every evening", "at bedtime"),
    "es": ("10 unidades", "1000 unidades internacionales", "5 mg", "0.5 mg",
           "sulfato de morfina", "sulfato de magnesio", "debajo de la piel",
           "un día sí y otro no", "todos los días", "todas las mañanas", "todas las noches",
           "al dormir"),
    "vi": ("10 đơn vị", "1000 đơn vị quốc tế", "5 mg", "0.5 mg", "morphin sulfat",
           "magnesi sulfat", "dưới da", "cách một ngày", "mỗi ngày", "mỗi buổi sáng",
           "trước khi ngủ"),
}  # fmt: skip
MEDICINES = (
    # name, dose, instructions, slots, ingredient
    ("Insulin glargine", "10 U", "Inject SC qHS", "bedtime", None),
    ("Vitamin D3", "1000 IU", "Take QD with food", "morning", None),
    ("Warfarin", "5.0 mg", "Take Q.O.D.", "evening", None),
    ("Colchicine", ".5 mg", "1 tab q.d.", "morning", None),
    ("MSO4 ER", "15 mg", "Take q12h", "", "morphine"),
    ("MS Contin", "15 mg", "1 tab PO HS", "bedtime", "morphine"),
    ("Mag-Tab (MgSO4)", "400 mg", "Take qd", "noon", None),
    ("Enoxaparin", "40 mg", "Inject subq QAM", "morning", None),
    ("Metoprolol", "25 mg", "Take QPM. Hold if HR < 60", "evening", None),
)


def _unsafe_patient(desk: Desk) -> tuple[str, str]:
    """A record whose medicines, plan, visit, discharge and referral use every form."""
    now = fixed_now()
    with desk.reading() as session:
        user = session.exec(select(User).where(User.login == desk.user.login)).one()
    with desk.writing() as tx:
        p = Patient(mrn="DNU-1", given_name="Dana", family_name="Ortiz",
                    birth_date=date(1950, 1, 1), language="en", coordinator_id=user.id)  # fmt: skip
        tx.add(p, kind="patient", patient_id=p.id)
        tx.session.flush()

        def add(row: object, kind: str) -> None:
            tx.add(row, kind=kind, patient_id=p.id)
            tx.session.flush()

        add(Condition(patient_id=p.id, display="Type 2 diabetes", icd10="E11.9"), "condition")
        for name, dose, note, slots, ingredient in MEDICINES:
            med = Medication(patient_id=p.id, name=name, dose=dose, instructions=note,
                             slots=slots, ingredient=ingredient)  # fmt: skip
            add(med, "medication")
        plan = CarePlan(patient_id=p.id, status="active")
        add(plan, "care_plan")
        problem = Problem(plan_id=plan.id, patient_id=p.id, description="Sugar high")
        add(problem, "problem")
        goal = Goal(problem_id=problem.id, plan_id=plan.id, patient_id=p.id,
                    description="A1c < 8", patient_words="Take vitamin D 1000 IU QD")  # fmt: skip
        add(goal, "goal")
        add(Activity(goal_id=goal.id, plan_id=plan.id, patient_id=p.id, kind="lifestyle",
                     description="SMBG", patient_words="Check my sugar QAM and QHS"),
            "activity")  # fmt: skip
        add(Appointment(patient_id=p.id, starts_at=now + timedelta(days=2),
                        purpose="Insulin check: bring the 10 U pen"), "appointment")  # fmt: skip
        add(Transition(patient_id=p.id, on_date=now.date(), outcome="transitioned",
                       reason="moved", summary="Stop MSO4.\nTake lisinopril 10.0 mg QD."),
            "transition")  # fmt: skip
        referral = Referral(patient_id=p.id, to_name="Dr. Ortiz", reason="Insulin 10 U QHS")
        add(referral, "referral")
    return p.id, referral.id


def _found(text: str) -> list[str]:
    return [name for name, pattern in DO_NOT_USE.items() if re.search(pattern, text)]


@pytest.fixture
def unsafe(desk: Desk) -> tuple[str, str]:
    set_up_clinic(desk)
    return _unsafe_patient(desk)


@pytest.mark.parametrize("language", ["en", "es", "vi"])
def test_no_do_not_use_form_on_the_printed_handout(
    desk: Desk, unsafe: tuple[str, str], language: str
) -> None:
    patient_id, _ = unsafe
    text = pdfcheck.all_text(desk.handouts.patient_handout(patient_id, language))
    flat = " ".join(text.split())
    assert _found(flat) == []
    for words in SAFE_WORDS[language]:
        assert words in flat, words
    assert "HR < 60" in flat  # a clinical abbreviation is not a Do-Not-Use form: kept


@pytest.mark.parametrize("language", ["en", "es"])
def test_no_do_not_use_form_in_the_transition_summary_or_a_letter(
    desk: Desk, unsafe: tuple[str, str], language: str
) -> None:
    patient_id, _ = unsafe
    summary = pdfcheck.all_text(desk.handouts.transition_summary(patient_id, language=language))
    letter = pdfcheck.all_text(
        desk.handouts.outreach_letter(
            patient_id, "Please take 5.0 mg QOD and .5 mg QHS.\n\nInject 10 U SC.", language
        )
    )
    for text in (summary, letter):
        assert _found(" ".join(text.split())) == []
    assert "10 mg" in summary
    assert ("morphine sulfate" if language == "en" else "sulfato de morfina") in summary
    flat = " ".join(letter.split())
    assert "5 mg" in flat and "0.5 mg" in flat


def test_no_do_not_use_form_in_the_referral_summary_or_packet(
    desk: Desk, unsafe: tuple[str, str], tmp_path: Path
) -> None:
    patient_id, referral_id = unsafe
    summary = pdfcheck.all_text(desk.handouts.referral_summary(referral_id))
    pdf, _ = desk.interop.export_packet(patient_id, tmp_path / "packet.pdf")
    packet = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.read_bytes())).pages)
    for text in (summary, packet):
        flat = " ".join(text.split())
        medicines = flat[flat.index("Medicines") :]
        assert _found(medicines.split("Allergies")[0]) == [], medicines
        for words in ("Insulin glargine, 10 units", "Warfarin, 5 mg", "Colchicine, 0.5 mg"):
            assert words in flat or words.replace(", ", " ") in flat, words


@pytest.mark.parametrize(
    ("name", "dose", "ingredient", "field"),
    [
        ("MS", "15 mg", None, "medicine name"),  # morphine or magnesium sulfate? Not guessed.
        ("Morphine", "15 mg", None, "medicine instructions"),
    ],
)
def test_an_ambiguous_form_is_refused_with_the_field_named_and_nothing_printed(
    desk: Desk, unsafe: tuple[str, str], name: str, dose: str, ingredient: str | None, field: str
) -> None:
    patient_id, _ = unsafe
    with desk.writing() as tx:
        note = "1 tab HS" if field == "medicine name" else "Use HS"  # HS: bedtime or half-strength
        med = Medication(patient_id=patient_id, name=name, dose=dose, instructions=note,
                         slots="bedtime", ingredient=ingredient)  # fmt: skip
        tx.add(med, kind="medication", patient_id=patient_id)
    before = len(desk.audit_events(patient_id=patient_id, action="print"))
    with pytest.raises(ValidationFailed) as refused:
        desk.handouts.patient_handout(patient_id, "en")
    assert refused.value.field == field
    assert "Do Not Use" in str(refused.value)
    assert "Dana" not in str(refused.value) and "Ortiz" not in str(refused.value)
    assert len(desk.audit_events(patient_id=patient_id, action="print")) == before


@pytest.mark.parametrize(
    ("written", "printed"),
    [
        ("Take HS", "Take at bedtime"),  # ISMP: hs = bedtime after a dose or "take"
        ("Inject 10 units SC", "Inject 10 units under the skin"),
        ("Office in Columbia, SC 29201", "Office in Columbia, SC 29201"),  # a state, not a route
        ("Living well with MS", "Living well with MS"),  # multiple sclerosis, not a medicine
        ("Vitamin D 1000IU", "Vitamin D 1000 international units"),
        ("Take 2.50 mg", "Take 2.5 mg"),
        ("Take 8 PM", "Take 8 in the evening"),
    ],
)
def test_rewritten_only_where_the_meaning_is_sure(written: str, printed: str) -> None:
    assert plain(phrasebook("en"), written) == printed


@pytest.mark.parametrize("written", ["Use HS saline", "MS 15 mg at night", "Take 5 mg QHS or HS"])
def test_what_cannot_be_rewritten_safely_is_refused(written: str) -> None:
    with pytest.raises(ValidationFailed, match="Do Not Use"):
        plain(phrasebook("en"), written, field="goal")
