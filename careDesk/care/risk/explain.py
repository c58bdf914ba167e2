"""Why a patient is on the worklist, in plain words with the numbers and where each rule comes
from: what Today's reasons panel and the chart summary show.

- LACE (van Walraven C et al., CMAJ 2010;182:551-7): predicts readmission or death in the 30
  days after leaving hospital; 0–4 low, 5–9 moderate, 10 or more high (the cut-offs the risk
  weights use, ``risk_weights.json`` "lace").
- Charlson comorbidity index (Charlson ME et al., J Chronic Dis 1987;40:373-83; weights updated
  by Quan H et al., Am J Epidemiol 2011;173:676-82, maximum 24): a weighted count of long-term
  illnesses that predicts the chance of dying within a year; there are no official bands, so
  only the number and what raises it are said. The age-adjusted score the worklist also keeps
  is on the 1987 weights plus age points (Charlson ME et al., J Clin Epidemiol
  1994;47:1245-51: 50–59 +1, 60–69 +2, 70–79 +3, ≥80 +4), so it is named as such.
- PHQ-9 and GAD-7 bands come from the instrument files (Kroenke 2001; Spitzer 2006).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from careDesk.care.instruments.catalog import instrument
from careDesk.care.risk.weights import default_weights

LACE_SOURCE = "van Walraven 2010, CMAJ 182:551"
CHARLSON_SOURCE = "Charlson 1987, J Chronic Dis 40:373; Quan 2011, Am J Epidemiol 173:676"
AGE_SOURCE = "age points: Charlson 1994, J Clin Epidemiol 47:1245"


@dataclass(frozen=True)
class Explanation:
    """One reason in words: a short headline, what it means, and its source (may be empty)."""

    headline: str
    meaning: str
    source: str = ""

    def text(self) -> str:
        """One line: "LACE 12 — high chance … (van Walraven 2010, CMAJ 182:551)"."""
        cited = f" ({self.source})" if self.source else ""
        return f"{self.headline} — {self.meaning}{cited}"


def lace_words(score: int, discharged: date | None) -> Explanation:
    """What a LACE score means (van Walraven 2010: 0–4 low, 5–9 moderate, ≥10 high)."""
    cut = default_weights().section("lace")
    level = (
        "high" if score >= cut["high_at"] else "moderate" if score >= cut["moderate_at"] else "low"
    )
    after = f" after the hospital stay that ended {discharged:%Y-%m-%d}" if discharged else ""
    return Explanation(
        f"LACE {score}",
        f"{level} chance of going back to hospital or dying within 30 days{after}; "
        f"out of 19, {cut['high_at']} or more is high",
        LACE_SOURCE,
    )


def charlson_words(quan2011: int, age_adjusted: int | None = None) -> Explanation:
    """What a Charlson score means (a weighted count of long-term illnesses; no bands)."""
    if quan2011 == 0:
        meaning = "no long-term illness that the index counts"
    else:
        meaning = (
            "long-term illnesses (such as heart failure, lung disease or cancer) that together "
            "raise the chance of dying within a year; higher is sicker, out of 24"
        )
    source = CHARLSON_SOURCE
    if age_adjusted is not None:
        meaning += f"; {age_adjusted} on the original 1987 weights with points for age"
        source += f"; {AGE_SOURCE}"
    return Explanation(f"Charlson {quan2011}", meaning, source)


def screener_words(instrument_id: str, total: int) -> Explanation:
    """A PHQ-9 or GAD-7 total with its band from the instrument file."""
    found = instrument(instrument_id)
    band = found.band(total)
    what = {"phq9": "depression", "gad7": "anxiety"}.get(instrument_id, "symptoms")
    meaning = f"{band} {what} symptoms" if band else f"{what} score"
    source = ". ".join(found.source.split(". ")[:2])  # authors and journal
    return Explanation(f"{found.short_name} {total}", meaning, source)


def explain(scores: dict[str, Any], lace_discharged: date | None) -> list[Explanation]:
    """The scores of a worklist row in plain words (LACE only while it predicts, i.e. when
    the worklist stored it; Charlson always; PHQ-9 and GAD-7 when scored)."""
    found: list[Explanation] = []
    if scores.get("lace") is not None:
        found.append(lace_words(int(scores["lace"]), lace_discharged))
    quan = scores.get("charlson_quan2011")
    if quan is not None:
        found.append(charlson_words(int(quan), scores.get("charlson_age_adjusted")))
    for key in ("phq9", "gad7"):
        if scores.get(key) is not None:
            found.append(screener_words(key, int(scores[key])))
    return found
