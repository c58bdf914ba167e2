"""Screener totals as FHIR Observations: LOINC codes, severity bands and positive cut-offs.

See docs/clinical-sources.md. PHQ-9 (Kroenke 2001) 0–27: 0–4 minimal, 5–9 mild, 10–14 moderate,
15–19 moderately severe, 20–27 severe; positive at ≥10. PHQ-2 (Kroenke 2003) 0–6, positive at
≥3. GAD-7 (Spitzer 2006) 0–21: 5 / 10 / 15 = mild / moderate / severe, ≥10 refer (positive).
LOINC: PHQ-9 panel 44249-1 total 44261-6; PHQ-2 panel 55757-9 total 55758-7; GAD-7 panel
69737-5 total 70274-6; AHC-HRSN panel 96777-8.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Instrument:
    """A screener: its panel and total LOINC codes, range, bands and positive cut-off."""

    key: str
    panel: str
    total_code: str
    display: str
    maximum: int
    bands: tuple[tuple[int, str], ...]  # (lowest total, band name), ascending
    positive_at: int

    def band(self, total: int) -> str:
        """The severity band of a total."""
        name = self.bands[0][1]
        for lowest, band in self.bands:
            if total >= lowest:
                name = band
        return name


PHQ9 = Instrument(
    "phq9", "44249-1", "44261-6", "PHQ-9 total score", 27,
    ((0, "minimal"), (5, "mild"), (10, "moderate"), (15, "moderately severe"), (20, "severe")),
    10,
)  # fmt: skip
PHQ2 = Instrument(
    "phq2", "55757-9", "55758-7", "PHQ-2 total score", 6, ((0, "negative"), (3, "positive")), 3
)
GAD7 = Instrument(
    "gad7", "69737-5", "70274-6", "GAD-7 total score", 21,
    ((0, "minimal"), (5, "mild"), (10, "moderate"), (15, "severe")),
    10,
)  # fmt: skip
AHC_HRSN_PANEL = "96777-8"

INSTRUMENTS = {i.key: i for i in (PHQ9, PHQ2, GAD7)}
BY_CODE = {code: i for i in (PHQ9, PHQ2, GAD7) for code in (i.total_code, i.panel)}
