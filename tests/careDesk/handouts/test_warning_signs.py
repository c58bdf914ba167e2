"""Warning signs: one source, the published triage, never contradicting each other (issue 15).

Expected values come from the published sources, not from the catalog:
- AHA, "Hypertensive crisis: when you should call 911 for high blood pressure": a reading of
  180/120 or greater (top number 180 or higher OR bottom number 120 or higher) → wait about five
  minutes and measure again; still that high with chest pain, shortness of breath, back pain,
  numbness, weakness, change in vision or difficulty speaking → call 911; still that high
  without them → contact your health care professional.
- ADA Standards of Care in Diabetes 2024, Section 6 "Glycemic Goals and Hypoglycemia" (Diabetes
  Care 2024;47(Suppl 1):S111-S125; glucose 15-20 g for the conscious person below 70 mg/dL,
  repeat if still low 15 minutes later, then a meal or snack; level 3 = altered mental or
  physical status needing help) and the ADA patient page "Hypoglycemia (Low Blood Glucose)"
  (15-15 rule; call 911 when the person is unconscious / cannot swallow).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from sqlmodel import select

from careDesk.desk import Desk
from careDesk.errors import ValidationFailed
from careDesk.handouts import warning_signs
from careDesk.handouts.document import Bullets, Para, Section
from careDesk.handouts.phrases import PHRASES, available_languages, phrasebook
from careDesk.handouts.readability import (
    ENGLISH_MAX_GRADE,
    SPANISH_MIN_EASE,
    fernandez_huerta,
    flesch_kincaid_grade,
)
from careDesk.handouts.warning_signs import Sign, catalog, contradictions
from careDesk.model.plan import Activity
from tests.careDesk.care.support_records import make_patient

LANGUAGES = sorted(available_languages())
AHA_911_SYMPTOMS = {
    "chest_pain", "short_of_breath", "back_pain", "numbness", "weakness", "vision_change",
    "speech_trouble",
}  # fmt: skip
AHA_WORDS = {
    "en": ("chest pain", "shortness of breath", "back pain", "numbness", "weakness",
           "how you see", "speaking"),
    "es": ("dolor de pecho", "falta de aire", "dolor de espalda", "adormecimiento", "debilidad",
           "vista", "hablar"),
    "vi": ("đau ngực", "khó thở", "đau lưng", "tê", "yếu", "thị lực", "khó nói"),
}  # fmt: skip
OR_WORD = {"en": "or", "es": "o", "vi": "hoặc"}
BOTH_NUMBERS = re.compile(r"180\s*(?:/|over|sobre|trên)\s*120", re.IGNORECASE)


@pytest.mark.parametrize("language", LANGUAGES)
def test_high_blood_pressure_follows_the_aha_triage(language: str) -> None:
    book = phrasebook(language)
    group = catalog().groups["hypertension"]
    assert group.steps == ("bp_recheck",)
    title = book.text("warning.steps.bp_recheck.title")
    # Either number is enough: "180 or higher, or ... 120 or higher", never "180 over 120".
    assert re.search(rf"180\D*\b{OR_WORD[language]}\b\D*120", title), title
    assert not BOTH_NUMBERS.search(title)
    assert book.items("warning.steps.bp_recheck.items")  # wait and measure again
    urgent, calm = catalog().signs["bp_crisis_symptoms"], catalog().signs["bp_crisis_no_symptoms"]
    assert urgent.action == "emergency" and calm.action == "clinic"
    assert {fact for situation in urgent.when for fact in situation} >= AHA_911_SYMPTOMS
    assert calm.unless == AHA_911_SYMPTOMS
    text = book.text("warning.signs.bp_crisis_symptoms")
    assert all(words in text for words in AHA_WORDS[language]), text
    assert "bp_crisis_symptoms" in group.emergency and "bp_crisis_no_symptoms" in group.clinic


@pytest.mark.parametrize("language", LANGUAGES)
def test_low_blood_sugar_follows_the_ada_15_15_rule(language: str) -> None:
    book = phrasebook(language)
    assert catalog().groups["diabetes"].steps == ("low_sugar",)
    assert "70" in book.text("warning.steps.low_sugar.title")
    eat, wait, repeat, meal = book.items("warning.steps.low_sugar.items")
    assert re.search(r"\b15\b", eat) and re.search(r"\b15\b", wait)  # 15 g, then 15 minutes
    assert "70" in repeat and re.search(r"\b1\b.*\b2\b", repeat)  # still below 70: steps 1, 2
    assert "70" in meal
    severe = catalog().signs["low_sugar_severe"]
    assert severe.action == "emergency"
    facts = {fact for situation in severe.when for fact in situation}
    assert {"confused", "passed_out", "cannot_swallow"} <= facts


# The blood-sugar term, its head word, where else the head word may appear, per language.
SUGAR_WORDS = {
    "en": ("sugar", r"blood sugar"),
    "es": ("azúcar", r"azúcar en la sangre"),
    "vi": ("đường", r"đường huyết|tiểu đường"),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_blood_sugar_and_sugar_to_eat_are_never_the_same_word(language: str) -> None:
    book = phrasebook(language)
    head, allowed = SUGAR_WORDS[language]
    group = catalog().groups["diabetes"]
    texts = [book.text("warning.titles.diabetes"), book.text("goal_fallback.diabetes")]
    texts += [book.text("warning.steps.low_sugar.title")]
    texts += book.items("warning.steps.low_sugar.items")[1:]
    texts += [book.text(f"warning.signs.{k}") for k in (*group.emergency, *group.clinic)]
    for text in texts:
        bare = re.sub(allowed, "", text, flags=re.IGNORECASE)
        assert head not in bare.lower(), text  # every mention is the full blood-sugar term
    eat = book.items("warning.steps.low_sugar.items")[0]
    assert head not in eat.lower(), eat  # the food is never called by the blood-sugar word


def test_templates_say_blood_sugar_in_full_and_never_180_over_120() -> None:
    data = (Path(warning_signs.__file__).parents[1] / "care" / "templates" / "data").glob("*.json")
    every = " ".join(p.read_text("utf-8") for p in data)
    for text in re.findall(r'"es": "([^"]*)"', every):
        assert "azúcar" not in re.sub("azúcar en la sangre", "", text), text
    for text in re.findall(r'"(?:en|es)": "([^"]*)"', every):
        assert not BOTH_NUMBERS.search(text), text
        assert not re.search(r"\bsugar\b", re.sub("blood sugar", "", text)), text


def test_no_sign_contradicts_another_and_the_check_finds_one_that_does() -> None:
    signs = catalog().signs
    assert contradictions(signs.values()) == []
    # What the hypertension template used to say beside the phrase library:
    # "Call 911 for chest pain, a bad headache, ..." while the library said headaches → clinic.
    old = Sign(
        "template_911", "emergency", (frozenset({"bad_headache"}), frozenset({"chest_pain"}))
    )
    found = contradictions([*signs.values(), old])
    assert any("headache_dizzy" in line for line in found)
    assert any("chest_pain_more_often" in line for line in found)


def test_a_catalog_with_a_contradiction_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = json.loads((PHRASES / warning_signs.CATALOG_FILE).read_text(encoding="utf-8"))
    # Any dizziness → 911, where the hypertension and stroke groups say call the clinic.
    data["signs"]["any_dizziness"] = {"action": "emergency", "when": [["dizzy"]]}
    data["groups"]["stroke"]["emergency"].append("any_dizziness")
    shutil.copy(PHRASES / "_conditions.json", tmp_path / "_conditions.json")
    (tmp_path / warning_signs.CATALOG_FILE).write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.setattr(warning_signs, "PHRASES", tmp_path)
    warning_signs.catalog.cache_clear()
    try:
        with pytest.raises(
            ValidationFailed, match=r"_warning_signs\.json: signs: headache_dizzy says clinic"
        ):
            warning_signs.catalog()
    finally:
        monkeypatch.undo()
        warning_signs.catalog.cache_clear()


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_sign_says_only_its_own_action(language: str) -> None:
    book = phrasebook(language)
    clinic_words = {"en": "clinic", "es": "clínica", "vi": "phòng khám"}[language]
    for key, sign in catalog().signs.items():
        text = book.text(f"warning.signs.{key}")
        if sign.action == "clinic":
            assert "911" not in text, key
        else:
            assert clinic_words not in text.lower(), key


def test_warning_signs_read_easily() -> None:
    def every_text(language: str) -> str:
        book = phrasebook(language)
        texts = [book.text(f"warning.signs.{k}") for k in catalog().signs]
        for step in catalog().steps:
            texts += [book.text(f"warning.steps.{step}.title")]
            texts += book.items(f"warning.steps.{step}.items")
        return " ".join(texts)

    assert flesch_kincaid_grade(every_text("en")) <= ENGLISH_MAX_GRADE
    assert fernandez_huerta(every_text("es")) >= SPANISH_MIN_EASE


def _warning_lines(section: Section) -> dict[str, list[str]]:
    lines: dict[str, list[str]] = {"heading": []}
    current = "heading"
    for block in section.blocks:
        if isinstance(block, Para) and block.bold:
            current = block.text
        elif isinstance(block, Bullets) and not block.numbered:
            lines.setdefault(current, []).extend(block.items)
    return lines


@pytest.mark.parametrize("patient_language", ["en", "es"])
def test_every_template_applied_prints_one_consistent_set_in_every_language(
    desk: Desk, patient_language: str
) -> None:
    """All shipped templates on one plan: each group's signs once, under its own action only."""
    from careDesk.care.templates import shipped

    patient = make_patient(desk, language=patient_language)
    for template_id in shipped():
        desk.templates.apply(patient.id, template_id)
    with desk.writing() as tx:  # a plan made before issue 15 holds the old template wording
        first = tx.session.exec(select(Activity).where(Activity.patient_id == patient.id)).first()
        assert first is not None
        old = Activity(goal_id=first.goal_id, plan_id=first.plan_id, patient_id=patient.id,
                       kind="education", description="Warning sign: Call 911 for a bad headache.",
                       patient_words="Call 911 for a bad headache.")  # fmt: skip
        tx.add(old, kind="activity", patient_id=patient.id)
    groups = {g for body in shipped().values() for g in body.warning_signs}
    for language in LANGUAGES:
        book = phrasebook(language)
        content = desk.handouts.patient_content(patient.id, language=language)
        section = content.section("warning_signs")
        assert section is not None
        lines = _warning_lines(section)
        urgent = lines.get(book.text("warning.call_emergency"), [])
        calm = lines.get(book.text("warning.call_clinic"), [])
        signs = catalog().signs
        assert set(urgent) == {
            book.text(f"warning.signs.{k}")
            for g in groups
            for k in catalog().groups[g].emergency
            if signs[k].action == "emergency"
        }
        assert not set(urgent) & set(calm)
        titles = {book.text(f"warning.titles.{g}") for g in groups}
        assert titles <= {b.text for b in section.blocks if hasattr(b, "text")}
        printed = content.plain_text()
        assert "for a bad headache" not in printed and "Warning sign:" not in printed
        for other in content.sections:
            if other.key != "warning_signs":
                other_text = " ".join(
                    t for b in other.blocks for t in getattr(b, "items", (getattr(b, "text", ""),))
                )
                assert "911" not in other_text or other.key == "teach_back", other.key
