"""Reading and checking instrument data files.

A file that does not hold together is refused when the registry loads, with the file and the
field named (:class:`~careDesk.errors.ValidationFailed`), so a typo in a code or a cut-off never
reaches a patient's score: LOINC codes must carry a right check digit (LOINC Users' Guide §12.3),
bands must cover every total once, cut-offs must lie within the total, the cut-off used when
sex is not recorded must be the lowest (no positive screen missed), and every question a rule
names must exist. Two instruments may not share a panel or total code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import replace
from importlib.resources.abc import Traversable
from typing import Any

from careDesk.care.instruments.catalog import (
    Band,
    CutOff,
    Domain,
    FollowOn,
    Instrument,
    Item,
    Option,
    PrivateReview,
    Registry,
    Skip,
)
from careDesk.errors import ValidationFailed
from careDesk.model.fields import loinc_ok

_ID = re.compile(r"^[a-z][a-z0-9_]{0,19}$")  # fits screener_result.instrument (20 characters)
SEXES = frozenset({"female", "male"})  # the sexes a source may give its own cut-off for
KINDS = frozenset({"scale", "choice", "multi"})


class _File:
    """One data file while it is read: every problem names it."""

    def __init__(self, name: str, data: Any) -> None:
        self.name = name
        if not isinstance(data, dict):
            raise self.error("file", "should be a JSON object")
        self.data: dict[str, Any] = data

    def error(self, field: str, reason: str) -> ValidationFailed:
        return ValidationFailed(field, reason, where=f"instrument file {self.name}")

    def need(self, raw: dict[str, Any], key: str, kind: type, at: str = "") -> Any:
        value = raw.get(key)
        if not isinstance(value, kind) or isinstance(value, bool) is not (kind is bool):
            raise self.error(f"{at}{key}", f"is missing or not a {kind.__name__}")
        return value

    def loinc(self, code: Any, field: str) -> str:
        if not isinstance(code, str) or not loinc_ok(code):
            raise self.error(field, "is not a LOINC code with a right check digit")
        return code


def _options(f: _File, raw: Any, at: str) -> tuple[Option, ...]:
    if not isinstance(raw, list) or not raw:
        raise f.error(at, "needs a list of answer options")
    options = []
    for n, o in enumerate(raw):
        where = f"{at}[{n}]."
        text = f.need(o, "text", str, where)
        value, code = o.get("value"), o.get("code")
        if (value is None) == (code is None) or isinstance(value, bool):
            raise f.error(f"{where}value", "give a whole-number value or a code, not both")
        if value is not None and not isinstance(value, int):
            raise f.error(f"{where}value", "should be a whole number")
        options.append(Option(text, value, code, o.get("answer_loinc")))
    keys = [o.key for o in options]
    if len(set(keys)) != len(keys):
        raise f.error(at, "has two options with the same value or code")
    return tuple(options)


def _item(f: _File, raw: Any, shared: tuple[Option, ...] | None, scored: bool, n: int) -> Item:
    at = f"{'items' if scored else 'unscored_items'}[{n}]."
    item_id = f.need(raw, "id", str, at)
    kind = raw.get("kind", "scale")
    if kind not in KINDS:
        raise f.error(f"{at}kind", f"should be one of {', '.join(sorted(KINDS))}")
    if "options" in raw:
        options = _options(f, raw["options"], f"{at}options")
    elif shared is not None:
        options = shared
    else:
        raise f.error(f"{at}options", "missing, and the file has no shared options")
    if kind == "scale" and any(o.value is None for o in options):
        raise f.error(f"{at}options", "a scale question needs numeric values")
    skip = raw.get("skip_when")
    return Item(
        id=item_id,
        loinc=f.loinc(raw.get("loinc"), f"{at}loinc"),
        text=f.need(raw, "text", str, at),
        kind=kind,
        options=options,
        scored=scored,
        skip=Skip(skip["item"], skip["answer"]) if isinstance(skip, dict) else None,
    )


def _bands(f: _File, raw: list[dict[str, Any]], lowest: int, maximum: int) -> tuple[Band, ...]:
    bands = tuple(Band(int(b["min"]), int(b["max"]), str(b["band"])) for b in raw)
    expected = lowest
    for band in sorted(bands, key=lambda b: b.low):
        if band.low != expected or band.high < band.low:
            span = f"{lowest}–{maximum}"
            raise f.error("bands", f"should cover {span} once each, in order (at {band.name})")
        expected = band.high + 1
    if bands and expected != maximum + 1:
        raise f.error("bands", f"should end at the highest total, {maximum}")
    return bands


def _cut_offs(f: _File) -> tuple[CutOff, ...]:
    data = f.data
    if "positive_by_sex" not in data:
        at = data.get("positive_at")
        return () if at is None else (CutOff(None, int(at)),)
    raw = data["positive_by_sex"]
    if "positive_at" in data or not isinstance(raw, dict):
        raise f.error("positive_by_sex", "give cut-offs by sex (with otherwise), or positive_at")
    cut_offs = []
    for sex, rule in raw.items():
        where = f"positive_by_sex.{sex}."
        if sex not in SEXES | {"otherwise"}:
            raise f.error(where, "name female, male or otherwise")
        at_least = f.need(rule, "at_least", int, where)
        cut_offs.append(CutOff(None if sex == "otherwise" else sex, at_least, rule.get("why")))
    general = [c for c in cut_offs if c.sex is None]
    if not general:
        raise f.error("positive_by_sex.otherwise", "missing: the cut-off when sex is not recorded")
    if any(c.at_least < general[0].at_least for c in cut_offs):
        raise f.error(
            "positive_by_sex.otherwise",
            "should be the lowest cut-off, so a positive screen is never missed when sex is "
            "not recorded",
        )
    return tuple(cut_offs)


def _domain(raw: dict[str, Any]) -> Domain:
    any_of = tuple((k, frozenset(v)) for k, v in raw.get("any_of", {}).items())
    total = raw.get("sum_above")
    return Domain(
        key=raw["domain"],
        label=raw["label"],
        any_of=any_of,
        sum_items=tuple(total["items"]) if total else (),
        sum_above=int(total["threshold"]) if total else None,
        template=raw.get("template"),
        rule=raw.get("rule"),
    )


def _follow_on(raw: dict[str, Any] | None) -> FollowOn | None:
    if raw is None:
        return None
    return FollowOn(
        rule=raw["rule"],
        template=raw["template"],
        activities=tuple(raw.get("activities", ())),
        follow_ups=tuple(raw.get("follow_ups", ())),
        title=raw["title"],
        reason=raw["reason"],
        unless_planned=bool(raw.get("unless_planned", False)),
        unless_taken_since=raw.get("unless_taken_since"),
    )


def _private_review(raw: dict[str, Any] | None) -> PrivateReview | None:
    if raw is None:
        return None
    return PrivateReview(item=raw["item"], above=int(raw["above"]), rule=raw["rule"])


def parse(name: str, data: Any) -> Instrument:
    """One data file (already JSON-decoded) as an :class:`Instrument`, checked."""
    f = _File(name, data)
    d = f.data
    inst_id = f.need(d, "id", str)
    if not _ID.match(inst_id) or name != f"{inst_id}.json":
        raise f.error("id", "should be lower-case letters, digits or _ and match the file name")
    shared = _options(f, d["options"], "options") if "options" in d else None
    items = [_item(f, raw, shared, True, n) for n, raw in enumerate(f.need(d, "items", list))]
    items += [_item(f, raw, shared, False, n) for n, raw in enumerate(d.get("unscored_items", []))]
    urgent = d.get("urgent_item") or {}
    total = d.get("loinc_total")
    inst = Instrument(
        id=inst_id,
        short_name=f.need(d, "short_name", str),
        title=f.need(d, "title", str),
        source=f.need(d, "source", str),
        stem=d.get("stem", ""),
        story=f.need(d, "story", str),
        loinc_panel=f.loinc(d.get("loinc_panel"), "loinc_panel"),
        loinc_total=None if total is None else f.loinc(total, "loinc_total"),
        items=tuple(items),
        urgent_item=urgent.get("id"),
        urgent_at=urgent.get("at_least"),
        domains=tuple(_domain(raw) for raw in d.get("domains", [])),
        private_review=_private_review(d.get("private_review")),
        follow_on=_follow_on(d.get("suggestion")),
        order=int(d.get("order", 0)),
        not_answers=tuple(
            f.loinc(code, "not_answer_codes") for code in d.get("not_answer_codes", {})
        ),
    )
    return _checked(f, inst)


def _checked(f: _File, inst: Instrument) -> Instrument:
    ids = [item.id for item in inst.items]
    if len(set(ids)) != len(ids):
        raise f.error("items", "two questions share an id")
    _check_rules(f, inst, set(ids))
    if not inst.has_total:
        return inst
    if any(item.kind != "scale" for item in inst.scored_items):
        raise f.error("items", "a scored total needs scale questions (or give domains)")
    lowest, maximum = inst.minimum, inst.maximum
    bands = _bands(f, f.data.get("bands", []), lowest, maximum)
    cut_offs = _cut_offs(f)
    for cut in cut_offs:
        if not lowest < cut.at_least <= maximum:
            raise f.error("positive_at", f"should lie within {lowest + 1}–{maximum}")
    return replace(inst, bands=bands, cut_offs=cut_offs)


def _check_rules(f: _File, inst: Instrument, ids: set[str]) -> None:
    named = [(item.skip.item, f"{item.id}.skip_when") for item in inst.items if item.skip]
    if inst.urgent_item:
        named.append((inst.urgent_item, "urgent_item"))
    if inst.private_review:
        named.append((inst.private_review.item, "private_review"))
    for domain in inst.domains:
        named += [(i, f"domains.{domain.key}") for i, _ in domain.any_of]
        named += [(i, f"domains.{domain.key}") for i in domain.sum_items]
    for item_id, field in named:
        if item_id not in ids:
            raise f.error(field, f"names no question {item_id!r}")
    for n, item in enumerate(inst.items):
        if item.skip:
            source = inst.item(item.skip.item)
            if source is None or source.option(item.skip.answer) is None:
                raise f.error(f"{item.id}.skip_when", "names no answer of that question")
            if source not in inst.items[:n]:
                raise f.error(f"{item.id}.skip_when", "should name an earlier question")


def load_all(files: Iterable[Traversable]) -> Registry:
    """Every file, checked alone and together (ids and codes unique), in display order."""
    found: list[Instrument] = []
    for entry in sorted(files, key=lambda e: e.name):
        try:
            data = json.loads(entry.read_text("utf-8"))
        except ValueError as exc:
            raise ValidationFailed(
                "file", f"is not valid JSON ({exc})", where=f"instrument file {entry.name}"
            ) from None
        try:
            found.append(parse(entry.name, data))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ValidationFailed(
                "file", f"is malformed ({exc!r})", where=f"instrument file {entry.name}"
            ) from None
    codes: dict[str, str] = {}
    if len({i.id for i in found}) != len(found):
        raise ValidationFailed("id", "two instrument files share an id", where="instruments")
    for inst in found:
        for code in filter(None, (inst.loinc_panel, inst.loinc_total)):
            if codes.setdefault(code, inst.id) != inst.id:
                raise ValidationFailed(
                    "loinc_panel",
                    f"{code} is also {codes[code]}'s code",
                    where=f"instrument file {inst.id}.json",
                )
    return Registry(tuple(sorted(found, key=lambda i: (i.order, i.id))))
