"""Scoring a completed questionnaire: validation, total, band, positive screen, urgency.

Rules (docs/clinical-sources.md): PHQ-9 bands 0–4/5–9/10–14/15–19/20–27 and item 9 ≥ 1 urgent
whatever the
total (Kroenke 2001); PHQ-2 positive ≥ 3 (Kroenke 2003); GAD-7 5/10/15 (Spitzer 2006); AHC-HRSN
domain rules and interpersonal-safety sum > 10 (CMS AHC HRSN screening tool, 2017; Billioux
2017). Separately, an instrument may carry careDesk's own *private review* rule (AHC-HRSN:
"physically hurt" answered other than Never): it never changes the published score or the
positive domains, it only sets ``private_review``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from careDesk.care.instruments.catalog import SHORT_NAMES, Domain, Instrument, Item
from careDesk.errors import ValidationFailed


@dataclass(frozen=True)
class Scored:
    """A validated, scored questionnaire (answers cleaned to their canonical values)."""

    instrument: str
    answers: dict[str, Any]
    total: int | None
    band: str | None
    positive: bool
    positive_domains: tuple[str, ...]
    urgent: bool
    private_review: bool = False  # careDesk's own rule, not the instrument's (see catalog)


def _check_answer(inst: Instrument, item: Item, raw: Any) -> Any:
    where = SHORT_NAMES[inst.id]
    allowed = [o.key for o in item.options]
    if item.kind == "multi":
        if not isinstance(raw, list | tuple) or not raw:
            raise ValidationFailed(item.id, "choose at least one answer (a list)", where=where)
        picked = [str(v) for v in raw]
        bad = [v for v in picked if v not in allowed]
        if bad:
            raise ValidationFailed(
                item.id, f"must be among {', '.join(map(str, allowed))}", where=where
            )
        if "none" in picked and len(picked) > 1:
            raise ValidationFailed(item.id, "'none' cannot be combined with problems", where=where)
        return sorted(set(picked))
    if isinstance(raw, bool) or raw not in allowed:
        raise ValidationFailed(
            item.id, f"must be one of {', '.join(map(str, allowed))}", where=where
        )
    return raw


def _validate(inst: Instrument, answers: Mapping[str, Any]) -> dict[str, Any]:
    where = SHORT_NAMES[inst.id]
    if not isinstance(answers, Mapping):
        raise ValidationFailed("answers", "must map question ids to answers", where=where)
    for key in answers:
        if inst.item(str(key)) is None:
            raise ValidationFailed(str(key), f"not a question of the {where}", where=where)
    cleaned: dict[str, Any] = {}
    for item in inst.items:
        raw = answers.get(item.id)
        if raw is None:
            if item.scored:
                raise ValidationFailed(item.id, "answer missing", where=where)
            continue
        cleaned[item.id] = _check_answer(inst, item, raw)
    return cleaned


def _band(inst: Instrument, total: int) -> str | None:
    return next((b.name for b in inst.bands if b.low <= total <= b.high), None)


def _domain_positive(domain: Domain, answers: Mapping[str, Any]) -> bool:
    for item_id, positive_answers in domain.any_of:
        given = answers.get(item_id)
        values = given if isinstance(given, list) else [given]
        if any(str(v) in positive_answers for v in values):
            return True
    if domain.sum_above is not None:
        return sum(int(answers[i]) for i in domain.sum_items) > domain.sum_above
    return False


def score(inst: Instrument, answers: Mapping[str, Any]) -> Scored:
    """Validate ``answers`` and score them; raises :class:`ValidationFailed` naming the item."""
    cleaned = _validate(inst, answers)
    if inst.domains:
        domains = tuple(d.key for d in inst.domains if _domain_positive(d, cleaned))
        review = _needs_private_review(inst, cleaned)
        return Scored(inst.id, cleaned, None, None, bool(domains), domains, False, review)
    total = sum(int(cleaned[item.id]) for item in inst.scored_items)
    positive = inst.positive_at is not None and total >= inst.positive_at
    urgent = (
        inst.urgent_item is not None
        and inst.urgent_at is not None
        and int(cleaned[inst.urgent_item]) >= inst.urgent_at
    )
    return Scored(inst.id, cleaned, total, _band(inst, total), positive, (), urgent)


def _needs_private_review(inst: Instrument, answers: Mapping[str, Any]) -> bool:
    """careDesk's own rule (not CMS): the review item answered above its threshold."""
    review = inst.private_review
    if review is None or answers.get(review.item) is None:
        return False
    return int(answers[review.item]) > review.above


def domain_labels(inst: Instrument) -> dict[str, str]:
    """Plain words for each social-needs domain (``food`` → "food insecurity")."""
    return {d.key: d.label for d in inst.domains}
