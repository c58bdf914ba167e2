"""LACE index for 30-day readmission or death (van Walraven C et al., CMAJ 2010;182:551-7).

L = length of stay of the index admission (<1 day 0, 1→1, 2→2, 3→3, 4–6→4, 7–13→5, ≥14→7);
A = 3 for an acute (emergent) admission; C = Charlson score (0→0, 1→1, 2→2, 3→3, ≥4→5);
E = emergency-department visits in the 6 months before the admission, not counting the index
visit, capped at 4. Range 0–19: 0–4 low, 5–9 moderate, ≥10 high. The UK "modified LACE"
scores ≥14 days as 6; we follow the original paper.

LACE is scored at discharge and predicts the 30 days after it: the risk engine scores the latest
discharge of the past year, stores its date beside the score, and lets it add priority only in
those 30 days (risk/gather.py, risk/priority.py); an older stay counts as utilization.

C uses the Charlson 1987 weights without age points: van Walraven derived LACE on the
original Charlson index (Charlson 1987 weights, ICD coding per Quan 2005), so its C points were
calibrated on those weights, not on Quan 2011's re-weighting (where e.g. MI scores 0).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LaceResult:
    """LACE components and total."""

    l_points: int
    a_points: int
    c_points: int
    e_points: int

    @property
    def total(self) -> int:
        return self.l_points + self.a_points + self.c_points + self.e_points

    @property
    def band(self) -> str:
        """low (0–4), moderate (5–9) or high (≥10)."""
        if self.total >= 10:
            return "high"
        return "moderate" if self.total >= 5 else "low"


def length_points(days: int) -> int:
    """L: length of stay in whole days → points."""
    if days < 1:
        return 0
    if days <= 3:
        return days
    if days <= 6:
        return 4
    return 5 if days <= 13 else 7


def charlson_points(score: int) -> int:
    """C: Charlson score → points (≥4 → 5)."""
    return 5 if score >= 4 else max(score, 0)


def ed_points(visits: int) -> int:
    """E: ED visits in the previous 6 months, capped at 4."""
    return min(max(visits, 0), 4)


def lace(length_of_stay_days: int, acute: bool, charlson_1987: int, ed_visits: int) -> LaceResult:
    """The LACE index of one admission."""
    return LaceResult(
        length_points(length_of_stay_days),
        3 if acute else 0,
        charlson_points(charlson_1987),
        ed_points(ed_visits),
    )
