"""Billing categories for care-management minutes and the CPT codes each one's minutes support.

The categories and codes are data (:data:`CATEGORIES`, :data:`CODES`); the rules that turn one
patient-month's minutes into codes follow the code descriptors. CCM (99490, 99439, 99491,
99437, 99487, 99489) keeps its own rules in :mod:`careDesk.care.ccm_rules` (consent, chronic
conditions, complexity); this module adds the other categories and the "next threshold" a
coordinator works towards.

Sources (US Medicare; quoted in ``tests/careDesk/care/test_billing_codes.py``):

- PCM: CPT 2022 code descriptors (AMA) 99424 "principal care management services, for a single
  high-risk disease … first 30 minutes provided personally by a physician or other qualified
  health care professional, per calendar month", +99425 each additional 30 minutes by a
  physician or QHP, 99426 first 30 minutes of clinical staff time directed by a physician or
  QHP, +99427 each additional 30 minutes of clinical staff time; adopted by the CY 2022 Medicare
  Physician Fee Schedule final rule (86 FR 64996). Not reportable under 30 minutes; add-on units
  need the whole 30 minutes.
- General BHI: CPT 2018 99484 "care management services for behavioral health conditions, at
  least 20 minutes of clinical staff time, directed by a physician or other qualified health
  care professional, per calendar month" (CY 2018 PFS final rule, 82 FR 52976; CMS MLN909432
  "Behavioral Health Integration Services"). Once a month, no add-on.
- Psychiatric collaborative care (CoCM): CPT 2018 99492 initial, "first 70 minutes in the first
  calendar month of behavioral health care manager activities"; 99493 subsequent, "first 60
  minutes in a subsequent month"; +99494 "each additional 30 minutes in a calendar month". These
  follow CPT's time rule (a unit of time is attained when the mid-point is passed), which the
  CPT 2018 collaborative care table and MLN909432 spell out: 99492 from 36 minutes (36–85),
  99493 from 31 (31–75), one 99494 for 86–115 (initial) or 76–105 (subsequent) minutes, another
  for each further 30. The treating physician's own care-manager time may count.
- TCM: CPT 2013 99495 (communication within 2 business days of discharge, at least moderate
  medical decision making, a face-to-face visit within 14 days) and 99496 (high complexity,
  visit within 7 days) are billed per 30-day period after a discharge, not by minutes: careDesk
  records TCM minutes but does not say which code they support.

careDesk's readings, said in the rows' notes: a physician/QHP's minutes below the physician
code's first block count as clinical staff time (CMS FAQ on CCM billing, 2017, question 1,
read across to PCM); payers differ on how many add-on units a month they pay for PCM, so
careDesk does not cap 99425/99427; the CoCM "initial" month is the first month with CoCM
minutes after six calendar months without any (CPT's break in the episode of care), since
careDesk does not record an episode's end.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from careDesk.care.ccm_rules import DESCRIPTORS as CCM_DESCRIPTORS

NEAR_MINUTES = 5  # "near a threshold": at most this many minutes short of it (15–19 of 20)


class BillingCategory(StrEnum):
    """What a time entry's minutes count towards."""

    CCM = "ccm"
    CCM_COMPLEX = "ccm_complex"
    PCM = "pcm"
    BHI = "bhi"
    COCM = "cocm"
    TCM = "tcm"
    NONE = "none"


@dataclass(frozen=True)
class Category:
    """A billing category: its key, its name on screen and the codes it may support."""

    key: BillingCategory
    label: str
    short: str  # in the chart header: "CCM this month: 15 of 20 min"
    codes: tuple[str, ...]


CATEGORIES: tuple[Category, ...] = (
    Category(
        BillingCategory.CCM,
        "Chronic care management (CCM)",
        "CCM",
        ("99490", "99439", "99491", "99437"),
    ),
    Category(BillingCategory.CCM_COMPLEX, "Complex CCM", "Complex CCM", ("99487", "99489")),
    Category(
        BillingCategory.PCM,
        "Principal care management (PCM)",
        "PCM",
        ("99424", "99425", "99426", "99427"),
    ),
    Category(BillingCategory.BHI, "Behavioral health integration (BHI)", "BHI", ("99484",)),
    Category(
        BillingCategory.COCM,
        "Psychiatric collaborative care (CoCM)",
        "CoCM",
        ("99492", "99493", "99494"),
    ),
    Category(BillingCategory.TCM, "Transitional care (TCM)", "TCM", ("99495", "99496")),
    Category(BillingCategory.NONE, "Not billed", "Not billed", ()),
)
BY_KEY = {c.key: c for c in CATEGORIES}
#: Categories whose minutes make one CCM pool (a month is billed non-complex or complex, not
#: both: CMS MLN909188); which codes they support is ``ccm_rules``' decision.
CCM_POOL = (BillingCategory.CCM.value, BillingCategory.CCM_COMPLEX.value)

CODES: dict[str, str] = {
    **CCM_DESCRIPTORS,
    "99424": "PCM, first 30 minutes by a physician or QHP",
    "99425": "PCM, each additional 30 minutes by a physician or QHP",
    "99426": "PCM, first 30 minutes of clinical staff time",
    "99427": "PCM, each additional 30 minutes of clinical staff time",
    "99484": "General BHI, at least 20 minutes of clinical staff time",
    "99492": "CoCM, initial month, first 70 minutes (reportable from 36)",
    "99493": "CoCM, subsequent month, first 60 minutes (reportable from 31)",
    "99494": "CoCM, each additional 30 minutes (reportable from 16 more)",
    "99495": "TCM, moderate complexity, face-to-face visit within 14 days of discharge",
    "99496": "TCM, high complexity, face-to-face visit within 7 days of discharge",
}

PCM_FIRST = 30  # 99424 / 99426: first 30 minutes
PCM_EACH = 30  # 99425 / 99427: each additional 30 minutes
BHI_FIRST = 20  # 99484: at least 20 minutes
COCM_INITIAL = 36  # 99492: 70 minutes, reported from 36 (mid-point passed)
COCM_INITIAL_FULL = 70
COCM_SUBSEQUENT = 31  # 99493: 60 minutes, reported from 31
COCM_SUBSEQUENT_FULL = 60
COCM_ADDON = 16  # 99494: 30 minutes, reported from 16 past the first code's full time
COCM_EACH = 30
COCM_BREAK_MONTHS = 6  # a break of six calendar months ends the episode (CPT 2018)


@dataclass(frozen=True)
class Units:
    """One CPT code and how many units of it the month supports."""

    code: str
    units: int

    @property
    def descriptor(self) -> str:
        return CODES[self.code]

    def text(self) -> str:
        return self.code + (f" x{self.units}" if self.units > 1 else "")


@dataclass(frozen=True)
class NextStep:
    """The next threshold: ``have`` of ``at`` minutes for ``code``."""

    code: str
    at: int
    have: int

    @property
    def short(self) -> int:
        return self.at - self.have

    @property
    def near(self) -> bool:
        return 0 < self.short <= NEAR_MINUTES

    def words(self) -> str:
        return f"{self.have} of {self.at} min ({self.code})"


def category(key: str) -> Category:
    """The category called ``key`` (``ValueError`` for any other word)."""
    return BY_KEY[BillingCategory(key)]


def _block(minutes: int, first: int, each: int, code: str, addon: str) -> list[Units]:
    if minutes < first:
        return []
    extra = (minutes - first) // each
    return [Units(code, 1), *([Units(addon, extra)] if extra else [])]


def next_in_ladder(minutes: int, first: int, each: int, codes: tuple[str, str]) -> NextStep:
    if minutes < first:
        return NextStep(codes[0], first, minutes)
    done = (minutes - first) // each
    return NextStep(codes[1], first + (done + 1) * each, minutes)


def pcm(staff: int, practitioner: int) -> tuple[list[Units], NextStep, list[str]]:
    """PCM codes (CPT 2022 99424–99427): a physician/QHP's 30 minutes or more make the 99424
    block; fewer count as clinical staff time (the module docstring); staff time makes 99426."""
    notes: list[str] = []
    doctor = _block(practitioner, PCM_FIRST, PCM_EACH, "99424", "99425")
    counted = staff if doctor else staff + practitioner
    if practitioner and not doctor:
        notes.append(f"{practitioner} physician/QHP minutes counted as clinical staff time")
    codes = doctor + _block(counted, PCM_FIRST, PCM_EACH, "99426", "99427")
    step = next_in_ladder(counted, PCM_FIRST, PCM_EACH, ("99426", "99427"))
    if doctor and counted == 0:
        step = next_in_ladder(practitioner, PCM_FIRST, PCM_EACH, ("99424", "99425"))
    if doctor and counted:
        notes.append("99424 and 99426 rest on separate minutes: check the payer before both")
    return codes, step, notes


def bhi(minutes: int) -> tuple[list[Units], NextStep | None]:
    """General BHI (CPT 99484): once a month from 20 minutes; nothing further to reach."""
    if minutes >= BHI_FIRST:
        return [Units("99484", 1)], None
    return [], NextStep("99484", BHI_FIRST, minutes)


def cocm(minutes: int, initial: bool) -> tuple[list[Units], NextStep]:
    """CoCM (CPT 99492/99493/+99494) with CPT's mid-point rule (module docstring)."""
    code, start, full = (
        ("99492", COCM_INITIAL, COCM_INITIAL_FULL)
        if initial
        else ("99493", COCM_SUBSEQUENT, COCM_SUBSEQUENT_FULL)
    )
    if minutes < start:
        return [], NextStep(code, start, minutes)
    first_addon = full + COCM_ADDON
    if minutes < first_addon:
        return [Units(code, 1)], NextStep("99494", first_addon, minutes)
    extra = (minutes - first_addon) // COCM_EACH + 1
    return [Units(code, 1), Units("99494", extra)], NextStep(
        "99494", first_addon + extra * COCM_EACH, minutes
    )
