"""The medicine grid counts what the patient takes (careDesk issue 15, items 17 and 19).

Universal Medication Schedule: the amount is written as the patient takes it — "1 tablet",
"2 puffs", "10 units" — with the strength in the medicine's name, and said the same way in the
instructions (Wolf MS et al. Arch Intern Med 2011;171(4):300-305, "Take 1 pill in the morning";
Davis TC et al. J Gen Intern Med 2009;24(1):57-62; IOM 2008 / NCPDP 2013 UMS white paper). A
count is never invented: with no known dose form the amount prints as prescribed.
"""

from __future__ import annotations

import json

import pytest

from careDesk.care.templates import shipped
from careDesk.handouts.document import Grid, Para
from careDesk.handouts.medicines import medicines_section
from careDesk.handouts.phrases import PHRASES, phrasebook
from careDesk.model.clinical import Medication
from tests.careDesk.handouts import pdfcheck
from tests.careDesk.handouts.conftest import Clinic


def med(**fields: object) -> Medication:
    values: dict[str, object] = {"patient_id": "p", "times_per_day": 1}
    values.update(fields)
    return Medication(**values)


def grid_and_lines(language: str, medicine: Medication) -> tuple[tuple[str, ...], str]:
    section = medicines_section(phrasebook(language), [medicine])
    assert section is not None
    grid = next(b for b in section.blocks if isinstance(b, Grid))
    lines = " ".join(b.text for b in section.blocks if isinstance(b, Para))
    return grid.rows[0], lines


@pytest.mark.parametrize(
    ("fields", "language", "name", "amount"),
    [
        # Strength in the record, tablet count from the structured dose: UMS "1 tablet".
        ({"name": "Lisinopril", "dose": "10 mg", "dose_amount": 1, "dose_unit": "tablet"},
         "en", "Lisinopril 10 mg", "1 tablet"),
        ({"name": "Lisinopril", "dose": "10 mg", "dose_amount": 1, "dose_unit": "tablet"},
         "es", "Lisinopril 10 mg", "1 pastilla"),
        ({"name": "Lisinopril", "dose": "10 mg", "dose_amount": 1, "dose_unit": "tablet"},
         "vi", "Lisinopril 10 mg", "1 viên"),
        # The dose is 2 of the single 500 mg strength the RxNorm name states.
        ({"name": "Metformin 500 MG Oral Tablet", "dose": "1000 mg"},
         "en", "Metformin 500 mg Oral Tablet", "2 tablets"),
        ({"name": "Gabapentin 300 MG Oral Capsule", "dose": "300 mg"},
         "es", "Gabapentin 300 mg Oral Capsule", "1 cápsula"),
        # Synthea writes doseQuantity 1 with no unit: one of the product.
        ({"name": "Clopidogrel 75 MG Oral Tablet", "dose": "1", "dose_amount": 1},
         "en", "Clopidogrel 75 mg Oral Tablet", "1 tablet"),
        ({"name": "Insulin glargine", "dose": "10 units"}, "en", "Insulin glargine", "10 units"),
        ({"name": "Insulin glargine", "dose": "10 units"}, "es", "Insulin glargine",
         "10 unidades"),
        ({"name": "Albuterol inhaler", "dose": "2 puffs"}, "en", "Albuterol inhaler", "2 puffs"),
        ({"name": "Albuterol inhaler", "dose": "2 puffs"}, "es", "Albuterol inhaler",
         "2 inhalaciones"),
    ],
)  # fmt: skip
def test_grid_counts_what_the_patient_takes_and_the_line_says_it_the_same_way(
    fields: dict[str, object], language: str, name: str, amount: str
) -> None:
    row, lines = grid_and_lines(language, med(**fields))
    assert row == (name, amount, "", "", "")
    how_much = phrasebook(language).text("medicine.how_much", dose=amount)
    assert how_much in lines


@pytest.mark.parametrize(
    ("fields", "amount"),
    [
        ({"name": "Metformin", "dose": "500 mg"}, "500 mg"),  # form unknown: as prescribed
        ({"name": "Hydrochlorothiazide 25 MG", "dose": "1", "dose_amount": 1}, "1"),
        ({"name": "Metformin 500 MG Oral Tablet", "dose": "750 mg"}, "750 mg"),  # no half pills
        ({"name": "Amoxicillin 250 MG / Clavulanate 125 MG Oral Tablet", "dose": "375 mg"},
         "375 mg"),  # two strengths: no count
        ({"name": "Levothyroxine", "dose": "50.0 mcg"}, "50 mcg"),  # safe words still apply
    ],
)  # fmt: skip
def test_no_count_is_invented_when_the_form_is_not_known(
    fields: dict[str, object], amount: str
) -> None:
    row, _ = grid_and_lines("en", med(**fields))
    assert row[1] == amount
    assert not any(form in row[1] for form in ("tablet", "capsule", "pill"))


SPANISH_DOSE_TIMES = {"morning": "mañana", "noon": "mediodía", "evening": "noche",
                      "bedtime": "dormir"}  # fmt: skip


def _strings(tree: object, key: str = "") -> list[tuple[str, str]]:
    if isinstance(tree, dict):
        return [pair for k, v in tree.items() for pair in _strings(v, f"{key}.{k}".strip("."))]
    if isinstance(tree, list):
        return [pair for item in tree for pair in _strings(item, key)]
    return [(key, tree)] if isinstance(tree, str) else []


def test_spanish_says_each_dose_time_with_one_word_everywhere() -> None:
    """Evening is "noche" in the grid, in rewritten sigs (PM, QPM) and in clock times after 5."""
    book = phrasebook("es")
    for slot, word in SPANISH_DOSE_TIMES.items():
        assert word in book.text(f"slot.{slot}").lower(), slot
    dose_time_phrases = {
        "morning": ["safe_words.every_morning", "date.morning"],
        "evening": ["safe_words.every_evening", "date.evening"],
        "bedtime": ["safe_words.at_bedtime"],
    }
    for slot, keys in dose_time_phrases.items():
        for key in keys:
            assert SPANISH_DOSE_TIMES[slot] in book.text(key, time="8"), key
    expansions = {a.find: a.plain for a in book.abbreviations}
    assert "noche" in expansions["PM"] and "mañana" in expansions["AM"]
    data = json.loads((PHRASES / "es.json").read_text(encoding="utf-8"))
    texts = _strings(data)
    texts += [("template", t["es"]) for b in shipped().values() for t in _template_texts(b)]
    # "tarde" (afternoon) only for clock times between noon and 5, never for a dose time.
    assert [k for k, t in texts if "tarde" in t.lower()] == ["date.afternoon"]
    assert not [t for _, t in texts if "acostarse" in t.lower() or "hora de dormir" in t.lower()]


def _template_texts(body: object) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    data = body.model_dump() if hasattr(body, "model_dump") else body
    for _, value in _walk(data):
        if isinstance(value, dict) and "en" in value and "es" in value:
            found.append(value)
    return found


def _walk(node: object) -> list[tuple[str, object]]:
    items: list[tuple[str, object]] = [("", node)]
    if isinstance(node, dict):
        for value in node.values():
            items += _walk(value)
    elif isinstance(node, list | tuple):
        for value in node:
            items += _walk(value)
    return items


def test_printed_grid_and_line_count_tablets_with_the_strength_in_the_name(clinic: Clinic) -> None:
    """Robert's furosemide is 40 mg, one tablet each morning: the page says "1 tablet"."""
    for language, tablet, line in (
        ("en", "1 tablet", "Take 1 tablet each time."),
        ("es", "1 pastilla", "Tome 1 pastilla cada vez."),
    ):
        data = clinic.desk.handouts.patient_handout(clinic.robert.patient_id, language)
        text = " ".join(pdfcheck.all_text(data).split())
        assert f"Furosemide 40 mg {tablet}" in text, language  # grid row: name, morning cell
        assert line in text, language
