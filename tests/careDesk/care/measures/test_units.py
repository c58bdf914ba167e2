"""Unit conversion: every expected value comes from the published equation or table cited."""

from __future__ import annotations

import pytest

from careDesk.care.measures.catalog import by_key
from careDesk.care.measures.units import known_unit, to_measure_unit
from careDesk.errors import ValidationFailed


@pytest.mark.parametrize(
    ("ifcc", "ngsp"),
    # The IFCC–NGSP conversion table (NGSP, ngsp.org "IFCC Standardization of HbA1c"), from the
    # master equation NGSP = 0.09148 × IFCC + 2.152 (Hoelzel W, et al. Clin Chem
    # 2004;50(1):166–74): 48 mmol/mol = 6.5 %, 53 = 7.0 %, 64 = 8.0 %, 75 = 9.0 %.
    [(48, 6.5), (53, 7.0), (64, 8.0), (75, 9.0)],
)
def test_a1c_in_mmol_per_mol_is_read_as_ngsp_per_cent(ifcc: float, ngsp: float) -> None:
    assert round(to_measure_unit(by_key()["a1c"], ifcc, "mmol/mol"), 1) == ngsp


def test_glucose_in_mmol_per_litre_becomes_mg_per_dl() -> None:
    """ADA Standards of Care 2024 §2: fasting glucose 126 mg/dL is 7.0 mmol/L (× 18.016)."""
    assert round(to_measure_unit(by_key()["glucose"], 7.0, "mmol/L")) == 126
    assert to_measure_unit(by_key()["glucose"], 126, "mg/dL") == 126


def test_ldl_in_mmol_per_litre_becomes_mg_per_dl() -> None:
    """Cholesterol 386.65 g/mol: 2.6 mmol/L is the 100 mg/dL LDL goal (ACC/AHA)."""
    assert round(to_measure_unit(by_key()["ldl"], 2.59, "mmol/L")) == 100


@pytest.mark.parametrize("written", ["lb", "lbs", "[lb_av]", "pounds", "LB"])
def test_pounds_become_kilograms(written: str) -> None:
    """1 lb = 0.45359237 kg exactly (the 1959 international yard and pound)."""
    assert to_measure_unit(by_key()["weight"], 165, written) == pytest.approx(74.8427, abs=1e-4)


def test_potassium_milliequivalents_equal_millimoles() -> None:
    """Potassium carries one charge: 1 mEq/L is 1 mmol/L."""
    assert to_measure_unit(by_key()["potassium"], 5.6, "mEq/L") == 5.6


@pytest.mark.parametrize("written", ["mmHg", "mm[Hg]", "mm Hg"])
def test_blood_pressure_units_as_written(written: str) -> None:
    assert known_unit(written) == "mm[Hg]"


def test_kilopascals_become_millimetres_of_mercury() -> None:
    """1 kPa = 7.50062 mm Hg."""
    assert to_measure_unit(by_key()["bp"], 16, "kPa") == pytest.approx(120.01, abs=0.01)


@pytest.mark.parametrize(
    ("measure", "unit"),
    [("a1c", "mg/dL"), ("weight", "%"), ("glucose", "stone"), ("a1c", None), ("weight", "")],
)
def test_a_unit_that_does_not_fit_is_refused_naming_the_unit_field(
    measure: str, unit: str | None
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        to_measure_unit(by_key()[measure], 10, unit)
    assert caught.value.field == "unit"


def test_a_score_needs_no_unit() -> None:
    assert to_measure_unit(by_key()["phq9"], 12, None) == 12
