"""The chart summary: every part a coordinator needs at a glance, from the core."""

from __future__ import annotations

from careDesk.desk import Desk
from tests.careDesk.care.full_chart import ALLERGIES, MEDICINES, full_chart


def test_summary_has_every_part(desk: Desk) -> None:
    pid = full_chart(desk)
    s = desk.summaries.for_patient(pid)
    assert s.problems == ["Heart failure (I50.9)", "Type 2 diabetes mellitus (E11.9)"]
    assert s.medicine_count == len(MEDICINES)  # the stopped one is not counted
    assert s.medicines[0] == "Atorvastatin 20 mg — morning"
    assert not any("Glipizide" in m for m in s.medicines)
    assert [a.split(" — ")[0] for a in s.allergies] == list(ALLERGIES)
    assert s.allergies[0] == "Penicillin — hives (severe)"
    assert s.measures[0].startswith("Hemoglobin A1c 8.2 % on ")
    assert [f.split(": ", 1)[1] for f in s.follow_ups] == ["Check sugar log"]
    assert s.goals == ["A1c below 8% — A1c below 8%"]
    assert s.referrals == ["Dr. Okafor (Cardiology): Heart failure review — draft, routine"]
    assert s.care_team == ["Dr. Lee, Primary care — +1 555 010 3030"]
    assert any(r.startswith("Charlson ") for r in s.reasons)
