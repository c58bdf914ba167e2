"""Reasons in plain words: each score with what it means and its source.

Expected levels come from the papers, not the code: LACE 0–4 low, 5–9 moderate, ≥10 high
(van Walraven C et al., CMAJ 2010;182:551-7, "Interpretation"); PHQ-9 10–14 moderate (Kroenke
K et al., J Gen Intern Med 2001;16:606-13, Table 4); GAD-7 ≥15 severe (Spitzer RL et al., Arch
Intern Med 2006;166:1092-7).
"""

from __future__ import annotations

from datetime import date

import pytest

from careDesk.care.risk.explain import charlson_words, explain, lace_words, screener_words


@pytest.mark.parametrize(
    ("score", "level"), [(4, "low"), (5, "moderate"), (9, "moderate"), (10, "high"), (12, "high")]
)
def test_lace_levels_follow_van_walraven(score: int, level: str) -> None:
    words = lace_words(score, date(2026, 6, 13)).text()
    assert words.startswith(f"LACE {score} — {level} chance of going back to hospital")
    assert "within 30 days after the hospital stay that ended 2026-06-13" in words
    assert words.endswith("(van Walraven 2010, CMAJ 182:551)")


def test_screener_bands_follow_the_papers() -> None:
    assert screener_words("phq9", 11).text().startswith("PHQ-9 11 — moderate depression")
    assert "Kroenke" in screener_words("phq9", 11).source
    assert screener_words("gad7", 16).text().startswith("GAD-7 16 — severe anxiety")
    assert "Spitzer" in screener_words("gad7", 16).source


def test_charlson_says_what_it_counts_and_the_age_points() -> None:
    none = charlson_words(0)
    assert none.meaning == "no long-term illness that the index counts"
    sick = charlson_words(3, 6)
    assert (
        "chance of dying within a year" in sick.meaning
        and "6 on the original 1987 weights with points for age" in sick.meaning
    )
    assert "Charlson 1987" in sick.source and "Quan 2011" in sick.source
    assert "Charlson 1994" in sick.source


def test_explain_a_worklist_row() -> None:
    scores = {"lace": None, "charlson_quan2011": 2, "charlson_age_adjusted": 5, "phq9": 20}
    headlines = [e.headline for e in explain(scores, None)]
    assert headlines == ["Charlson 2", "PHQ-9 20"]  # no LACE without a recent stay
    with_lace = explain({**scores, "lace": 11}, date(2026, 6, 13))
    assert with_lace[0].headline == "LACE 11"
