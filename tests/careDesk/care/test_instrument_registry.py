"""The instrument registry: one home for every instrument's codes and rules.

- A data file that does not hold together is refused when loaded, naming the file and field.
- Every consumer reads the registry: no module keeps its own copy of an instrument's LOINC
  codes, only deliberate instrument-specific rules name an instrument, and a new instrument's
  data file alone puts it in the suggestions' reach, the demo and every list.
"""

from __future__ import annotations

import ast
import json
from copy import deepcopy
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from careDesk.care.demo import generate_demo
from careDesk.care.instruments import Instrument, all_instruments, instrument_ids
from careDesk.care.instruments.loader import load_all, parse
from careDesk.care.templates.loader import shipped
from careDesk.desk import Desk
from careDesk.errors import ValidationFailed
from careDesk.model.assessment import ScreenerResult
from tests.careDesk.care.instrument_files import (  # noqa: F401  (the fixture)
    NEW_ID,
    new_instrument,
    new_instrument_data,
)
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[3]
# Modules whose instrument-specific rules name an instrument on purpose: the PHQ-9 item 9 rule
# (Kroenke 2001) and its FHIR reader, the risk weights per instrument and the worklist's score
# columns, the demo's tuning (how often each is drawn), the first migration, screenshots, and
# measurement-based care's PHQ-9/GAD-7 series (their registries follow those instruments' cited
# outcome definitions).
NAMED_ON_PURPOSE = {
    "careDesk/care/urgent.py",
    "careDesk/interop/fhir_phq9.py",
    "careDesk/care/risk/engine.py",
    "careDesk/care/risk/gather.py",
    "careDesk/care/measures/gather.py",
    "careDesk/care/measures/service.py",
    "careDesk/care/risk/priority.py",
    "careDesk/care/worklist.py",
    "careDesk/care/referral_recipients.py",  # the needs the AHC-HRSN screen found
    "careDesk/care/risk/explain.py",  # the risk score's own PHQ-9 and GAD-7 columns in words
    "careDesk/care/demo/screening.py",
    "careDesk/store/migrations/versions/0001_initial.py",
    "ui/screenshots.py",
}


def _broken(change: dict[str, Any]) -> dict[str, Any]:
    data = deepcopy(new_instrument_data())
    data.update(change)
    return data


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"items": [{"id": "zz_1", "loinc": "99911-1", "text": "Q"}]}, "items[0].loinc"),
        ({"loinc_panel": "44249-2"}, "loinc_panel"),  # PHQ-9's panel with a wrong check digit
        (
            {"bands": [{"min": 0, "max": 3, "band": "a"}, {"min": 5, "max": 9, "band": "b"}]},
            "bands",
        ),
        ({"bands": [{"min": 0, "max": 8, "band": "a"}]}, "bands"),  # stops short of 9
        ({"positive_at": 10}, "positive_at"),  # above the highest total, 9
        ({"urgent_item": {"id": "zz_9", "at_least": 1}}, "urgent_item"),
        ({"id": "other_name"}, "id"),
        ({"story": None}, "story"),
    ],
)
def test_a_file_that_does_not_hold_together_is_refused_naming_file_and_field(
    change: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse(f"{NEW_ID}.json", _broken(change))
    assert caught.value.field == field
    assert f"{NEW_ID}.json" in caught.value.where


def test_unknown_sex_must_get_the_lowest_cut_off() -> None:
    """A positive screen must never be missed because sex is not recorded: the cut-off used
    then is the lowest of the instrument's (careDesk's choice, docs/clinical-sources.md)."""
    data = _broken({})
    del data["positive_at"]
    data["positive_by_sex"] = {
        "male": {"at_least": 4},
        "female": {"at_least": 3},
        "otherwise": {"at_least": 4},
    }
    with pytest.raises(ValidationFailed) as caught:
        parse(f"{NEW_ID}.json", data)
    assert caught.value.field == "positive_by_sex.otherwise"


def test_two_instruments_may_not_share_a_code(tmp_path: Path) -> None:
    """A code must name one instrument, or an import could file a result under the wrong one."""
    data = _broken({"loinc_panel": "72109-2"})  # AUDIT-C's panel
    shipped_files = list((ROOT / "careDesk" / "care" / "instruments").glob("*.json"))
    extra = tmp_path / f"{NEW_ID}.json"
    extra.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValidationFailed, match="72109-2"):
        load_all([*shipped_files, extra])


def test_every_suggestion_in_the_data_names_a_shipped_template_and_its_parts() -> None:
    templates = shipped()
    for inst in all_instruments():
        rule = inst.follow_on
        if rule is not None:
            body = templates[rule.template]
            goals = [g for p in body.problems for g in p.goals]
            activities = {a.description for g in goals for a in g.activities}
            assert set(rule.activities) <= activities, inst.id
            assert set(rule.follow_ups) <= {f.title for f in body.follow_ups}, inst.id
            if rule.unless_taken_since:
                assert rule.unless_taken_since in instrument_ids()
        for domain in inst.domains:
            assert domain.template is None or domain.template in templates, domain.key


def _named_constants(path: Path) -> set[str]:
    """String constants of a module that are not docstrings."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs
    }


def test_no_module_keeps_its_own_copy_of_instrument_codes_or_lists() -> None:
    """Codes (panel, total, items, answers) live only in the data files; an instrument id is
    named in code only where a rule is about that one instrument."""
    codes: set[str] = set()
    for inst in all_instruments():
        codes |= {c for c in (inst.loinc_panel, inst.loinc_total) if c}
        codes |= {item.loinc for item in inst.items}
        codes |= {o.answer_loinc for i in inst.items for o in i.options if o.answer_loinc}
    ids = set(instrument_ids())
    for folder in ("careDesk", "ui"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            found = _named_constants(path)
            assert not found & codes, f"{name} keeps instrument codes {sorted(found & codes)}"
            if name not in NAMED_ON_PURPOSE:
                assert not found & ids, f"{name} names instruments {sorted(found & ids)}"


def test_a_new_instruments_file_reaches_the_demo(
    desk: Desk,
    new_instrument: Instrument,  # noqa: F811
) -> None:
    generate_demo(desk, patients=30, seed=7, today=date(2026, 3, 10), coordinator_password=PASSWORD)
    with desk.reading() as session:
        found = set(session.exec(select(ScreenerResult.instrument)).all())
    assert found == set(instrument_ids())  # every instrument of the registry, the new one too
    assert NEW_ID in found
