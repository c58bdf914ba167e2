"""Templates link their measurable goals to a measure: diabetes → A1c, hypertension → blood
pressure, depression → PHQ-9; a tailored target (ADA 2024 §13: below 8 % for older adults with
multimorbidity) is the rule progress is computed by."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import col, select

from careDesk.care.templates.loader import parse_body, shipped
from careDesk.desk import Desk
from careDesk.errors import ValidationFailed
from careDesk.model.plan import Goal


def _goals(desk: Desk, pid: str) -> dict[str | None, Goal]:
    with desk.reading() as s:
        rows = s.exec(
            select(Goal).where(col(Goal.patient_id) == pid, col(Goal.measure_loinc).is_not(None))
        )
        return {g.measure_loinc: g for g in rows}


@pytest.mark.parametrize(
    ("template", "loinc", "rule"),
    [
        ("diabetes_t2", "4548-4", ("below", 7.0, None, "%")),  # ADA 2024 §6: < 7 %
        ("hypertension", "85354-9", ("below", 130.0, 80.0, "mm[Hg]")),  # ACC/AHA 2017: < 130/80
        ("depression_anxiety", "44261-6", ("below", 5.0, None, "{score}")),  # remission < 5
    ],
)
def test_applying_a_template_links_its_goal(
    desk: Desk, template: str, loinc: str, rule: tuple[object, ...]
) -> None:
    pid = desk.patients.create(
        mrn="T-1", given_name="Joan", family_name="Ruiz", birth_date=date(1980, 1, 1)
    ).value.id
    desk.templates.apply(pid, template)
    goal = _goals(desk, pid)[loinc]
    assert (goal.target_rule, goal.target_value, goal.target_value2, goal.target_unit) == rule


def test_the_older_adult_rule_sets_the_linked_target_to_eight(desk: Desk) -> None:
    pid = desk.patients.create(
        mrn="T-2", given_name="Olga", family_name="Ruiz", birth_date=date(1940, 1, 1)
    ).value.id
    desk.clinical.add_condition(pid, display="Frailty", icd10="R54")
    desk.templates.apply(pid, "diabetes_t2")
    goal = _goals(desk, pid)["4548-4"]
    assert (goal.target, goal.target_value) == ("below 8%", 8.0)


def test_a_template_whose_linked_goal_has_no_readable_target_is_refused() -> None:
    data = shipped()["diabetes_t2"].model_dump(mode="json")
    data["problems"][0]["goals"][0]["target"] = "as low as safely possible"
    with pytest.raises(ValidationFailed) as caught:
        parse_body(data, where="broken.json")
    assert "goals" in caught.value.field and "below 7%" in caught.value.reason
