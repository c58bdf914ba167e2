"""Scoring a completed questionnaire: validation, total, band, positive screen, urgency.

The rules are the instrument's data file (docs/clinical-sources.md): PHQ-9 bands
0–4/5–9/10–14/15–19/20–27 and item 9 ≥ 1 urgent whatever the total (Kroenke 2001); PHQ-2
positive ≥ 3 (Kroenke 2003); GAD-7 5/10/15 (Spitzer 2006); AUDIT-C positive ≥ 4 for men and
≥ 3 for women (Bush 1998; Bradley 2007), ≥ 3 when sex is not recorded (careDesk's choice: the
lower cut-off, so no positive screen is missed), questions 2–3 skipped and scored 0 after
"Never" on question 1 (WHO AUDIT manual, Babor 2001); AHC-HRSN domain rules and
interpersonal-safety sum > 10 (CMS AHC HRSN screening tool, 2017; Billioux 2017). Separately,
an instrument may carry careDesk's own *private review* rule (AHC-HRSN: "physically hurt"
answered other than Never): it never changes the published score or the positive domains, it
only sets ``private_review``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from careDesk.care.instruments.catalog import Domain, Instrument, Item
from careDesk.errors import ValidationFailed


@dataclass(frozen=True)
class Scored:
    """A validated, scored questionnaire (answers cleaned to their canonical values).

    ``cut_off`` is the positive-screen cut-off applied; ``cut_off_why`` says which one and why
    when the instrument's cut-offs differ by sex (AUDIT-C), else None."""

    instrument: str
    answers: dict[str, Any]
    total: int | None
    band: str | None
    positive: bool
    positive_domains: tuple[str, ...]
    urgent: bool
    private_review: bool = False  # careDesk's own rule, not the instrument's (see catalog)
    cut_off: int | None = None
    cut_off_why: str | None = None


def _check_answer(inst: Instrument, item: Item, raw: Any) -> Any:
    where = inst.short_name
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


def skipped(item: Item, answers: Mapping[str, Any]) -> bool:
    """Whether the instrument's own skip rule leaves ``item`` unasked, given ``answers``."""
    return item.skip is not None and answers.get(item.skip.item) == item.skip.answer


def required_items(inst: Instrument, answers: Mapping[str, Any]) -> tuple[Item, ...]:
    """The scored questions still to be answered for a score, given the answers so far."""
    return tuple(item for item in inst.scored_items if not skipped(item, answers))


def check_answers(inst: Instrument, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers given, checked one by one and cleaned, without requiring all of them
    (an imported total that came with some of its answers)."""
    return _validate(inst, answers, complete=False)


def _validate(
    inst: Instrument, answers: Mapping[str, Any], *, complete: bool = True
) -> dict[str, Any]:
    where = inst.short_name
    if not isinstance(answers, Mapping):
        raise ValidationFailed("answers", "must map question ids to answers", where=where)
    for key in answers:
        if inst.item(str(key)) is None:
            raise ValidationFailed(str(key), f"not a question of the {where}", where=where)
    cleaned: dict[str, Any] = {}
    for item in inst.items:  # in order: a skip rule names an earlier question
        raw = answers.get(item.id)
        if raw is None:
            if complete and item.scored and not skipped(item, cleaned):
                raise ValidationFailed(item.id, "answer missing", where=where)
            continue
        value = _check_answer(inst, item, raw)
        if skipped(item, cleaned) and value != min(o.key for o in item.options):
            # Answered although the instrument skips it: a contradiction, never scored.
            raise ValidationFailed(item.id, _skip_reason(inst, item), where=where)
        cleaned[item.id] = value
    return cleaned


def _skip_reason(inst: Instrument, item: Item) -> str:
    assert item.skip is not None
    source = inst.item(item.skip.item)
    option = source.option(item.skip.answer) if source else None
    said = option.text if option else str(item.skip.answer)
    return f"is not asked when {item.skip.item} is answered '{said}': leave it empty"


def _domain_positive(domain: Domain, answers: Mapping[str, Any]) -> bool:
    for item_id, positive_answers in domain.any_of:
        given = answers.get(item_id)
        values = given if isinstance(given, list) else [given]
        if any(str(v) in positive_answers for v in values):
            return True
    if domain.sum_above is not None:
        return sum(int(answers[i]) for i in domain.sum_items) > domain.sum_above
    return False


def score(inst: Instrument, answers: Mapping[str, Any], *, sex: str | None = None) -> Scored:
    """Validate ``answers`` and score them for a patient of ``sex`` (female, male, other,
    unknown or None: it matters only where the cut-off differs by sex); raises
    :class:`ValidationFailed` naming the item."""
    cleaned = _validate(inst, answers)
    if inst.domains:
        domains = tuple(d.key for d in inst.domains if _domain_positive(d, cleaned))
        review = _needs_private_review(inst, cleaned)
        return Scored(inst.id, cleaned, None, None, bool(domains), domains, False, review)
    total = sum(int(cleaned.get(item.id, 0)) for item in inst.scored_items)  # skipped: 0
    urgent = (
        inst.urgent_item is not None
        and inst.urgent_at is not None
        and int(cleaned[inst.urgent_item]) >= inst.urgent_at
    )
    return _from_total(inst, cleaned, total, sex, urgent)


def score_total(
    inst: Instrument,
    total: int,
    *,
    sex: str | None = None,
    answers: Mapping[str, Any] | None = None,
) -> Scored:
    """Band and positive screen of a total given without all its answers (an imported total;
    the ``answers`` that came with it are checked and kept); :class:`ValidationFailed` when the
    total is outside the instrument's range."""
    if not inst.has_total:
        raise ValidationFailed("total", "this instrument has no total", where=inst.short_name)
    if isinstance(total, bool) or not inst.minimum <= total <= inst.maximum:
        raise ValidationFailed(
            "total",
            f"should be a whole number {inst.minimum}–{inst.maximum}",
            where=inst.short_name,
        )
    cleaned = check_answers(inst, answers or {})
    return _from_total(inst, cleaned, total, sex, urgent=False)


def _from_total(
    inst: Instrument, answers: dict[str, Any], total: int, sex: str | None, urgent: bool
) -> Scored:
    cut = inst.cut_off(sex) if inst.cut_offs else None
    positive = cut is not None and total >= cut.at_least
    why = cut.why if cut is not None and inst.by_sex else None
    return Scored(
        inst.id,
        answers,
        total,
        inst.band(total),
        positive,
        (),
        urgent,
        cut_off=cut.at_least if cut else None,
        cut_off_why=why,
    )


def _needs_private_review(inst: Instrument, answers: Mapping[str, Any]) -> bool:
    """careDesk's own rule (not CMS): the review item answered above its threshold."""
    review = inst.private_review
    if review is None or answers.get(review.item) is None:
        return False
    return int(answers[review.item]) > review.above


def domain_labels(inst: Instrument) -> dict[str, str]:
    """Plain words for each social-needs domain (``food`` → "food insecurity")."""
    return {d.key: d.label for d in inst.domains}
