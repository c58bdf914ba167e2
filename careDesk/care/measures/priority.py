"""Priority points and reasons from measurements, for the risk engine (``risk/priority.py``).

- An A1c above 9.0 % (NCQA HEDIS GSD "poor control") or a blood pressure of 140/90 or more
  (HEDIS CBP: controlled is below 140/90), when the value is within its look-back.
- In the depression and anxiety registries: "not improving" (less than 50 % better 10 weeks or
  more after an elevated baseline: AIMS Center) and "no score in 30 days".
- A candidate whose PHQ-9 is still 10 or more and less than 50 % better 10 weeks or more after
  an elevated baseline: a reason to enrol.

Points are clinic-tunable (``risk_weights.json`` ``measures``); every point has its reason.
"""

from __future__ import annotations

from typing import Any

from careDesk.care.measures.catalog import by_key, catalog
from careDesk.care.measures.gather import MeasureFacts
from careDesk.care.measures.outcomes import NOT_IMPROVING, Episode, no_recent_score, outcome


def _score(value: float) -> str:
    return f"{value:.0f}"


def _uncontrolled(m: MeasureFacts, w: dict[str, Any], reasons: list[str]) -> float:
    rule = catalog().uncontrolled
    points = 0.0
    if m.a1c is not None and m.a1c.value is not None and m.a1c.value > rule.a1c_above:
        reasons.append(f"A1c {m.a1c.value:.1f}% on {m.a1c.at:%Y-%m-%d} (above {rule.a1c_above:g}%)")
        points += float(w["a1c_uncontrolled"])
    bp = m.bp
    if bp is not None and bp.value is not None and bp.value2 is not None:
        high_s, high_d = rule.bp_at_or_above
        if bp.value >= high_s or bp.value2 >= high_d:
            reasons.append(
                f"BP {bp.value:.0f}/{bp.value2:.0f} on {bp.at:%Y-%m-%d} "
                f"({high_s:g}/{high_d:g} or more)"
            )
            points += float(w["bp_uncontrolled"])
    return points


def _episode_words(name: str, e: Episode) -> str:
    assert e.baseline is not None and e.latest is not None
    return (
        f"{name} not improving: {_score(e.baseline.value)} → {_score(e.latest.value)}, "
        f"{e.weeks} weeks after the baseline (case review)"
    )


def measure_points(m: MeasureFacts, w: dict[str, Any], reasons: list[str]) -> float:
    """Points and reasons from one patient's measurement facts."""
    points = _uncontrolled(m, w, reasons)
    for registry in catalog().registries:
        episode = m.episodes.get(registry.key)
        if episode is None:
            continue
        name = by_key()[registry.measure].display
        if outcome(episode) == NOT_IMPROVING:
            reasons.append(_episode_words(name, episode))
            points += float(w["not_improving"])
        if no_recent_score(episode):
            reasons.append(f"no {name} score in {catalog().outcomes.no_score_days} days")
            points += float(w["no_recent_score"])
    c = m.candidate
    if c is not None and c.baseline is not None and c.latest is not None:
        reasons.append(
            f"PHQ-9 still {_score(c.latest.value)}, {c.weeks} weeks after "
            f"{_score(c.baseline.value)}: less than 50% better (consider enrolling)"
        )
        points += float(w["candidate_not_improving"])
    return points
