"""Codes supported by minutes for PCM, BHI and CoCM, and the next threshold (billing_codes).

Expected values come from the published code descriptors, not from the code under test:

- PCM, CPT 2022 (AMA; CY 2022 Medicare PFS final rule, 86 FR 64996): 99424 "first 30 minutes
  provided personally by a physician or other qualified health care professional, per calendar
  month"; +99425 "each additional 30 minutes provided personally by a physician or other
  qualified health care professional"; 99426 "first 30 minutes of clinical staff time directed
  by physician or other qualified health care professional, per calendar month"; +99427 "each
  additional 30 minutes of clinical staff time". Not reportable under 30 minutes.
- General BHI, CPT 2018 99484: "at least 20 minutes of clinical staff time … per calendar
  month" (CMS MLN909432, Behavioral Health Integration Services).
- CoCM, CPT 2018 99492 "first 70 minutes in the first calendar month", 99493 "first 60
  minutes in a subsequent month", +99494 "each additional 30 minutes", with CPT's mid-point
  rule as tabulated in the CPT collaborative care guidelines and MLN909432: 99492 for 36–85
  minutes, 99492 + 99494 for 86–115; 99493 for 31–75, 99493 + 99494 for 76–105; under 36 / 31
  minutes not reported.
"""

from __future__ import annotations

import pytest

from careDesk.care import billing_codes as bc


def _codes(units: list[bc.Units]) -> list[str]:
    return [u.code for u in units for _ in range(u.units)]


@pytest.mark.parametrize(
    ("staff", "expected", "next_at"),
    [
        (29, [], 30),  # under 30 minutes: not reported
        (30, ["99426"], 60),
        (59, ["99426"], 60),
        (60, ["99426", "99427"], 90),
        (90, ["99426", "99427", "99427"], 120),
    ],
)
def test_pcm_clinical_staff_time_in_30_minute_units(
    staff: int, expected: list[str], next_at: int
) -> None:
    codes, step, _notes = bc.pcm(staff, 0)
    assert _codes(codes) == expected
    assert step.at == next_at


def test_pcm_physician_time_makes_99424_and_under_30_counts_as_staff_time() -> None:
    codes, _step, _notes = bc.pcm(0, 30)
    assert _codes(codes) == ["99424"]
    codes, _step, _notes = bc.pcm(0, 60)
    assert _codes(codes) == ["99424", "99425"]
    codes, _step, notes = bc.pcm(10, 20)  # 20 physician minutes join the 10 of staff
    assert _codes(codes) == ["99426"]
    assert any("counted as clinical staff time" in n for n in notes)


@pytest.mark.parametrize(("minutes", "expected"), [(19, []), (20, ["99484"]), (75, ["99484"])])
def test_general_bhi_once_a_month_from_20_minutes(minutes: int, expected: list[str]) -> None:
    codes, step = bc.bhi(minutes)
    assert _codes(codes) == expected
    assert (step is None) == bool(expected)  # 99484 has no add-on: nothing further to reach


@pytest.mark.parametrize(
    ("minutes", "initial", "expected"),
    [
        (35, True, []),
        (36, True, ["99492"]),
        (85, True, ["99492"]),
        (86, True, ["99492", "99494"]),
        (115, True, ["99492", "99494"]),
        (116, True, ["99492", "99494", "99494"]),
        (30, False, []),
        (31, False, ["99493"]),
        (75, False, ["99493"]),
        (76, False, ["99493", "99494"]),
        (105, False, ["99493", "99494"]),
        (106, False, ["99493", "99494", "99494"]),
    ],
)
def test_cocm_follows_the_cpt_time_table(minutes: int, initial: bool, expected: list[str]) -> None:
    codes, _step = bc.cocm(minutes, initial)
    assert _codes(codes) == expected


def test_next_threshold_and_near() -> None:
    step = bc.next_in_ladder(15, 20, 20, ("99490", "99439"))
    assert (step.code, step.at, step.short, step.near) == ("99490", 20, 5, True)
    assert step.words() == "15 of 20 min (99490)"
    assert not bc.next_in_ladder(14, 20, 20, ("99490", "99439")).near  # 6 short: not near
    assert bc.next_in_ladder(20, 20, 20, ("99490", "99439")).at == 40
    _units, cocm_step = bc.cocm(31, True)
    assert (cocm_step.code, cocm_step.at, cocm_step.near) == ("99492", 36, True)


def test_every_category_and_code_is_described() -> None:
    for cat in bc.CATEGORIES:
        assert cat.label and cat.short
        for code in cat.codes:
            assert bc.CODES[code]
    assert {c.key for c in bc.CATEGORIES} == set(bc.BillingCategory)
