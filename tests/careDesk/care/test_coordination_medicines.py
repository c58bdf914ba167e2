"""Same-ingredient and conflicting-dose warnings on real vaults, with Synthea-style names.

Ingredients are RxNorm's (the IN of each product; NLM RxNorm Technical Documentation, "Term
types"): a combination product contains each of its ingredients, a salt (succinate, tartrate,
hydrochloride, sodium, chloride) is the same active moiety as its base. Doses compare by the SI
prefixes (BIPM SI Brochure, 9th ed. 2019, Table 7), so 0.1 mg is 100 mcg.
"""

from __future__ import annotations

from typing import Any

from careDesk.care.coordination import CoordinationWarning
from careDesk.desk import Desk
from careDesk.model.clinical import Medication
from tests.careDesk.care.clinic_rows import NOW, patient, store
from tests.careDesk.care.test_coordination import activity, plan_for
from tests.careDesk.interop.conftest import SYNTHEA


def med(pid: str, name: str, **fields: Any) -> Medication:
    return Medication(patient_id=pid, name=name, **fields)


def kinds(warnings: list[CoordinationWarning]) -> list[str]:
    return sorted(w.kind for w in warnings)


def test_a_combination_product_shares_its_ingredient_with_a_single_one(desk: Desk) -> None:
    p = patient("M-1")
    combo = med(
        p.id,
        "Hydrochlorothiazide 12.5 MG / Lisinopril 10 MG Oral Tablet",
        prescriber="Dr. Adams",
    )
    single = med(p.id, "Lisinopril 10 MG Oral Tablet", prescriber="Dr. Baker")
    store(desk, p, combo, single)
    (warning,) = desk.coordination.warnings(p.id, now=NOW)
    assert warning.kind == "same_ingredient"
    assert "both contain lisinopril" in warning.message
    assert {warning.first.id, warning.second.id} == {combo.id, single.id}


def test_a_combination_with_another_dose_of_its_ingredient_is_a_dose_conflict(desk: Desk) -> None:
    p = patient("M-2")
    combo = med(p.id, "Hydrochlorothiazide 12.5 MG / Lisinopril 10 MG", prescriber="Dr. Adams")
    higher = med(p.id, "Lisinopril 20 MG Oral Tablet", prescriber="Dr. Adams")
    store(desk, p, combo, higher)
    (warning,) = desk.coordination.warnings(p.id, now=NOW)
    assert warning.kind == "dose_conflict"
    assert "lisinopril (10 mg against 20 mg)" in warning.message
    assert "hydrochlorothiazide" not in warning.message.split(":")[0]


def test_salt_and_release_forms_are_one_ingredient_with_a_real_dose_conflict(desk: Desk) -> None:
    p = patient("M-3")
    er = med(p.id, "Metoprolol succinate ER", dose="50 mg", prescriber="Dr. Adams")
    ir = med(p.id, "metoprolol tartrate", dose="25 mg", prescriber="Dr. Baker")
    store(desk, p, er, ir)
    warnings = desk.coordination.warnings(p.id, now=NOW)
    assert kinds(warnings) == ["dose_conflict", "same_ingredient"]
    conflict = next(w for w in warnings if w.kind == "dose_conflict")
    assert "metoprolol (50 mg against 25 mg)" in conflict.message


def test_equal_doses_written_in_other_units_do_not_conflict(desk: Desk) -> None:
    p = patient("M-4")
    store(
        desk,
        p,
        med(p.id, "Levothyroxine Sodium 0.1 MG Oral Tablet", prescriber="Dr. Adams"),
        med(p.id, "Synthroid", ingredient="levothyroxine", dose="100 mcg", prescriber="Dr. Adams"),
        med(p.id, "Metformin hydrochloride", dose="1,000 mg", prescriber="Dr. Adams"),
        med(p.id, "Metformin", dose="1000 mg", prescriber="Dr. Adams"),
        med(p.id, "Diltiazem HCl 24hr ER", dose="240 mg", prescriber="Dr. Adams"),
        med(p.id, "Cardizem CD", ingredient="diltiazem", dose="0.24 g", prescriber="Dr. Adams"),
    )
    assert desk.coordination.warnings(p.id, now=NOW) == []


def test_different_doses_in_other_units_do_conflict(desk: Desk) -> None:
    p = patient("M-5")
    a = med(p.id, "Levothyroxine Sodium 0.1 MG Oral Tablet")
    b = med(p.id, "Levothyroxine", dose="125 mcg")
    store(desk, p, a, b)
    (warning,) = desk.coordination.warnings(p.id, now=NOW)
    assert warning.kind == "dose_conflict"
    assert "levothyroxine (125 mcg against 100 mcg)" in warning.message  # 0.1 mg = 100 mcg


def test_potassium_chloride_products_match_but_penicillin_v_potassium_does_not(
    desk: Desk,
) -> None:
    p = patient("M-6")
    tablet = med(p.id, "Potassium Chloride 20 MEQ Extended Release Oral Tablet", prescriber="A")
    liquid = med(p.id, "Potassium chloride", dose="40 mEq", prescriber="B")
    penicillin = med(p.id, "Penicillin V Potassium 500 MG Oral Tablet", prescriber="C")
    store(desk, p, tablet, liquid, penicillin)
    warnings = desk.coordination.warnings(p.id, now=NOW)
    assert kinds(warnings) == ["dose_conflict", "same_ingredient"]
    assert all(penicillin.id not in (w.first.id, w.second.id) for w in warnings)
    conflict = next(w for w in warnings if w.kind == "dose_conflict")
    assert "potassium (20 mEq against 40 mEq)" in conflict.message


def test_the_plan_counts_tablets_against_the_medicines_strength(desk: Desk) -> None:
    p = patient("M-7")
    store(desk, p)
    ids = plan_for(desk, p.id)
    lisinopril = med(p.id, "Lisinopril 10 MG Oral Tablet", dose="1 tablet")
    same = activity(p.id, ids, "medication", "Take lisinopril 10 mg", medication_id=lisinopril.id)
    double = activity(
        p.id, ids, "medication", "Take 2 tablets each morning", medication_id=lisinopril.id
    )
    store(desk, lisinopril, same, double)
    (warning,) = desk.coordination.warnings(p.id, now=NOW)
    assert (warning.kind, warning.first.id) == ("dose_conflict", double.id)
    assert "lisinopril (20 mg against 10 mg)" in warning.message


def test_an_imported_synthea_patient_with_two_naproxen_products(desk: Desk) -> None:
    # Asa Hermiston's record has "Naproxen sodium 220 MG Oral Tablet" (2017) and "Naproxen
    # 500 MG Oral Tablet" (2019) both active: one ingredient, two doses (one tablet each).
    report = desk.interop.import_file(
        SYNTHEA / "Asa_Hermiston_4384bf23-1dc3-48ca-8c84-89fbaff201ae.json"
    )
    (pid,) = report.patient_ids
    warnings = desk.coordination.warnings(pid, now=NOW)
    assert [(w.kind, "naproxen (220 mg against 500 mg)" in w.message) for w in warnings] == [
        ("dose_conflict", True)
    ]
