"""Treat-to-target outcomes of a screener score (PHQ-9; GAD-7 by analogy), as published.

- **Elevated** baseline: a score of 10 or more (NCQA HEDIS DRR-E: a PHQ-9 above 9 starts the
  index episode; Kroenke 2001: 10 or more is moderate and the positive screen).
- **Response**: the latest score at least 50 % lower than an elevated baseline.
- **Remission**: the latest score below 5 (after an elevated baseline).
  (NCQA HEDIS "Depression Remission or Response for Adolescents and Adults" (DRR-E).)
- **Not improving**: less than 50 % better 10–12 weeks after an elevated baseline, the point
  where collaborative care calls for a psychiatric case review or a change of treatment (AIMS
  Center, University of Washington; Bao Y et al., Psychiatr Serv 2016;67(4):418–24). careDesk
  flags it from week 10 on; weeks count from the baseline score.
- **No score in 30 days**: measurement-based care measures at every contact, at least monthly
  (AIMS Center).

Thresholds are data (``measures.json`` ``outcomes``); GAD-7 uses the same rules (careDesk's
choice by analogy: docs/clinical-sources.md#measurement-based-care).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from careDesk.care.measures.catalog import Outcomes, catalog

REMISSION = "remission"
RESPONSE = "response"
NOT_IMPROVING = "not improving"
IN_TREATMENT = "in treatment"
BASELINE_ONLY = "baseline only"
NOT_ELEVATED = "baseline under 10"
NO_SCORE = "no score"


@dataclass(frozen=True)
class Score:
    """A total and when it was taken."""

    value: float
    at: datetime


@dataclass(frozen=True)
class Episode:
    """A treatment episode's baseline and latest score, judged at ``now``."""

    baseline: Score | None
    latest: Score | None
    now: datetime

    @property
    def weeks(self) -> int | None:
        """Whole weeks from the baseline score to now."""
        if self.baseline is None:
            return None
        return max(0, (self.now - self.baseline.at).days // 7)

    @property
    def change_percent(self) -> float | None:
        """Latest vs baseline in per cent (negative: fewer symptoms)."""
        if self.baseline is None or self.latest is None or self.baseline.value <= 0:
            return None
        return (self.latest.value - self.baseline.value) / self.baseline.value * 100


def rules() -> Outcomes:
    return catalog().outcomes


def elevated(score: float, o: Outcomes | None = None) -> bool:
    """A score that starts a treat-to-target episode (10 or more)."""
    return score >= (o or rules()).elevated_at


def is_remission(baseline: float, latest: float, o: Outcomes | None = None) -> bool:
    """Latest below 5 after an elevated baseline (HEDIS DRR-E)."""
    o = o or rules()
    return elevated(baseline, o) and latest < o.remission_below


def is_response(baseline: float, latest: float, o: Outcomes | None = None) -> bool:
    """Latest at least 50 % lower than an elevated baseline (HEDIS DRR-E)."""
    o = o or rules()
    return elevated(baseline, o) and latest <= baseline * (1 - o.response_drop_percent / 100)


def outcome(episode: Episode, o: Outcomes | None = None) -> str:
    """The episode's outcome label at ``episode.now`` (see the module docstring)."""
    o = o or rules()
    base, last = episode.baseline, episode.latest
    if base is None or last is None:
        return NO_SCORE
    if not elevated(base.value, o):
        return NOT_ELEVATED
    if is_remission(base.value, last.value, o):
        return REMISSION
    if is_response(base.value, last.value, o):
        return RESPONSE
    weeks = episode.weeks or 0
    if weeks >= o.not_improving_weeks:
        return NOT_IMPROVING
    return BASELINE_ONLY if last.at == base.at else IN_TREATMENT


def no_recent_score(episode: Episode, o: Outcomes | None = None) -> bool:
    """No score in the last 30 days."""
    o = o or rules()
    last = episode.latest
    return last is None or episode.now - last.at > timedelta(days=o.no_score_days)


def episode_of(scores: Sequence[Score], start: datetime | None, now: datetime) -> Episode:
    """Baseline and latest of the scores from ``start`` on (all when None), up to ``now``.

    The baseline is the first elevated score (the HEDIS index score), else the first score.
    """
    within = sorted(
        (s for s in scores if (start is None or s.at >= start) and s.at <= now),
        key=lambda s: s.at,
    )
    if not within:
        return Episode(None, None, now)
    first_elevated = next((s for s in within if elevated(s.value)), None)
    return Episode(first_elevated or within[0], within[-1], now)


def candidate_not_improving(scores: Sequence[Score], now: datetime) -> Episode | None:
    """A patient not (yet) enrolled whose score is still 10 or more and less than 50 % better
    10 weeks or more after an elevated baseline of the last 12 months: a reason to enrol."""
    o = rules()
    episode = episode_of(scores, now - timedelta(days=365), now)
    base, last = episode.baseline, episode.latest
    if base is None or last is None or last.at == base.at:
        return None
    if not elevated(last.value, o) or outcome(episode, o) != NOT_IMPROVING:
        return None
    return episode


@dataclass(frozen=True)
class FollowUpOutcome:
    """One patient's HEDIS DRR-E numerators for an index (baseline) score."""

    follow_up: bool
    remission: bool
    response: bool


def follow_up_outcome(index: Score, scores: Sequence[Score]) -> FollowUpOutcome:
    """The most recent score 120–240 days after the index score decides (HEDIS DRR-E)."""
    o = rules()
    low, high = (timedelta(days=d) for d in o.follow_up_days)
    window = [s for s in scores if index.at + low <= s.at <= index.at + high]
    if not window:
        return FollowUpOutcome(False, False, False)
    last = max(window, key=lambda s: s.at)
    return FollowUpOutcome(
        True,
        is_remission(index.value, last.value, o),
        is_response(index.value, last.value, o),
    )
