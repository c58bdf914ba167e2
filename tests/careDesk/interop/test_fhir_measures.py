"""Measurements in and out of FHIR: Synthea's vital signs and labs become series; careDesk's
export writes US Core-shaped observations (BP panel 85354-9 with 8480-6/8462-4 components,
UCUM units, categories) that validate as R4B and come back as the same series."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from sqlmodel import col, select

from careDesk.care.measures.series import Series
from careDesk.desk import Desk
from careDesk.model.base import utcnow
from careDesk.model.clinical import Observation
from careDesk.model.plan import Goal

UCUM = "http://unitsofmeasure.org"


def _series(desk: Desk, pid: str) -> dict[str, Series]:
    return {s.key: s for s in desk.measures.overview(pid).series}


def test_synthea_vital_signs_and_labs_become_series(desk: Desk, synthea: list[Path]) -> None:
    reports = [desk.interop.import_file(path) for path in synthea]
    assert all(r.accepted for r in reports)
    with_bp = with_a1c = 0
    for report in reports:
        (pid,) = report.patient_ids
        series = _series(desk, pid)
        bp = series.get("bp")
        if bp is not None:
            with_bp += 1
            # Synthea's 55284-4 panel: every systolic has its diastolic, in mm Hg.
            assert bp.points and all(p.usable and p.value2 is not None for p in bp.points)
            assert all(p.value is not None and p.value > p.value2 for p in bp.points)  # type: ignore[operator]
        if "a1c" in series:
            with_a1c += 1
            assert series["a1c"].unit == "%" and all(p.usable for p in series["a1c"].points)
        assert "weight" in series and series["weight"].unit == "kg"
        assert "72514-3" in series  # pain score: a LOINC series careDesk does not name
    assert with_bp == len(reports) and with_a1c >= 5
    with desk.reading() as s:
        panels = set(s.exec(select(Observation.panel).where(col(Observation.loinc) == "8480-6")))
    assert panels == {"55284-4"}


def _patient_with_measures(desk: Desk) -> str:
    now = utcnow()
    pid = desk.patients.create(
        mrn="X-1", given_name="Ines", family_name="Mora", birth_date=date(1950, 3, 3)
    ).value.id
    plan = desk.plans.ensure_active(pid).value
    problem = desk.plans.add_problem(plan.id, description="Diabetes").value
    desk.plans.add_goal(problem.id, description="A1c", target="below 7.5%", measure_loinc="4548-4")
    desk.measures.record(
        pid, kind="blood_pressure", systolic=138, diastolic=84, taken_at=now - timedelta(days=9)
    )
    desk.measures.record(
        pid, kind="blood_pressure", systolic=131, diastolic=79, taken_at=now - timedelta(days=2)
    )
    desk.measures.record(pid, kind="weight", value=172, unit="lb", taken_at=now - timedelta(days=2))
    desk.measures.record(pid, kind="a1c", value=7.9, unit="%", taken_at=now - timedelta(days=30))
    return pid


def _observations(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"
    ]


def test_export_writes_blood_pressure_panels_with_ucum_units(desk: Desk, tmp_path: Path) -> None:
    pid = _patient_with_measures(desk)
    bundle = json.loads(desk.interop.export_fhir(pid, tmp_path / "out.json").read_text("utf-8"))
    observations = _observations(bundle)
    for resource in observations:
        get_fhir_model_class("Observation").model_validate(resource)
    panels = [o for o in observations if o["code"]["coding"][0]["code"] == "85354-9"]
    assert len(panels) == 2
    panel = panels[0]
    assert panel["category"][0]["coding"][0]["code"] == "vital-signs"
    parts = {c["code"]["coding"][0]["code"]: c["valueQuantity"] for c in panel["component"]}
    assert set(parts) == {"8480-6", "8462-4"}
    assert all(q["system"] == UCUM and q["code"] == "mm[Hg]" for q in parts.values())
    weight = next(o for o in observations if o["code"]["coding"][0]["code"] == "29463-7")
    assert weight["valueQuantity"]["code"] == "kg" and weight["valueQuantity"]["system"] == UCUM
    a1c = next(o for o in observations if o["code"]["coding"][0]["code"] == "4548-4")
    assert a1c["category"][0]["coding"][0]["code"] == "laboratory"
    goal = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Goal")
    assert goal["target"][0]["measure"]["coding"][0]["code"] == "4548-4"


def test_export_then_import_gives_back_the_same_series_and_link(
    desk: Desk, other_desk: Desk, tmp_path: Path
) -> None:
    pid = _patient_with_measures(desk)
    out = desk.interop.export_fhir(pid, tmp_path / "out.json")
    report = other_desk.interop.import_file(out)
    assert report.accepted, report.line()
    (copy,) = report.patient_ids
    mine, theirs = _series(desk, pid), _series(other_desk, copy)
    assert set(mine) == set(theirs) == {"a1c", "bp", "weight"}
    for key, series in mine.items():
        assert [(p.value, p.value2, p.at) for p in theirs[key].points] == [
            (p.value, p.value2, p.at) for p in series.points
        ], key
    with other_desk.reading() as s:
        (goal,) = s.exec(select(Goal).where(col(Goal.patient_id) == copy))
    assert (goal.measure_loinc, goal.target_rule, goal.target_value) == ("4548-4", "below", 7.5)
    (progress,) = other_desk.measures.goal_progress(copy)
    assert progress.latest_text == "7.9 %"
    # Importing its own export back changes nothing and adds nothing (components keep their ids).
    back = desk.interop.import_file(out)
    assert back.accepted and not back.created and not back.updated, back.line()
