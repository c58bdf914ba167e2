"""PHQ-9 from FHIR in every shape other systems send: item 9 ≥ 1 raises the same-day call and
the urgent alert, once, whatever the shape, with or without a total; a re-import adds nothing.

Clinical rule: Kroenke K, Spitzer RL, Williams JB. The PHQ-9: validity of a brief depression
severity measure. J Gen Intern Med 2001;16:606-13. Each item is scored 0 "not at all",
1 "several days", 2 "more than half the days", 3 "nearly every day"; item 9 ("thoughts that you
would be better off dead or of hurting yourself in some way") is positive at any answer ≥ 1
(several days or more) and needs same-day follow-up whatever the total.
Codes: LOINC panel 44249-1 (https://loinc.org/44249-1) and its items in order, total 44261-6;
answers LOINC answer list LL358-3 (https://loinc.org/LL358-3): LA6568-5 = 0, LA6569-3 = 1,
LA6570-1 = 2, LA6571-9 = 3.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from careDesk.desk import Desk
from careDesk.interop.report import ImportReport
from careDesk.model.assessment import Alert, ScreenerResult
from careDesk.model.clinical import Observation
from careDesk.model.schedule import FollowUp
from tests.careDesk.care.test_instruments import answers_for

LOINC = "http://loinc.org"
PANEL, TOTAL = "44249-1", "44261-6"
# PHQ-9 items 1–9 as LOINC panel 44249-1 lists them; item 9 is 44260-8.
ITEM_CODES = ("44250-9", "44255-8", "44259-0", "44254-1", "44251-7",
              "44258-2", "44252-5", "44253-3", "44260-8")  # fmt: skip
LA = {0: "LA6568-5", 1: "LA6569-3", 2: "LA6570-1", 3: "LA6571-9"}  # LOINC LL358-3
PID = "phq9-patient"
WHEN = "2026-03-02T09:30:00Z"
PATIENT = {
    "resourceType": "Patient",
    "id": PID,
    "name": [{"family": "Okafor", "given": ["Grace"]}],
    "birthDate": "1951-05-06",
}
# Nine answers adding up to 9 (a "mild" total, Kroenke 2001), item 9 answered "several days".
ANSWERS = (2, 2, 1, 1, 1, 1, 0, 0, 1)


def _code(code: str) -> dict[str, Any]:
    return {"coding": [{"system": LOINC, "code": code}]}


def _obs(rid: str, code: str, **value: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "category": [{"coding": [{"code": "survey",
                      "system": "http://terminology.hl7.org/CodeSystem/observation-category"}]}],
        "code": _code(code),
        "subject": {"reference": f"urn:uuid:{PID}"},
        "effectiveDateTime": WHEN,
        **value,
    }  # fmt: skip


def _coded(value: int) -> dict[str, Any]:
    return {"valueCodeableConcept": {"coding": [{"system": LOINC, "code": LA[value]}]}}


def _items(answers: tuple[int, ...], *, coded: bool) -> list[dict[str, Any]]:
    return [
        _obs(f"item-{n}", code, **(_coded(v) if coded else {"valueInteger": v}))
        for n, (code, v) in enumerate(zip(ITEM_CODES, answers, strict=True), start=1)
    ]


def _import(desk: Desk, tmp_path: Path, *resources: dict[str, Any]) -> ImportReport:
    entries = [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in (PATIENT, *resources)]
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": entries}
    path = tmp_path / "phq9.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    return desk.interop.import_file(path)


def _state(desk: Desk) -> tuple[list[ScreenerResult], list[FollowUp], list[Alert]]:
    with desk.reading() as session:
        screeners = list(session.exec(select(ScreenerResult)).all())
        calls = list(session.exec(select(FollowUp).where(FollowUp.origin == "phq9_item9")).all())
        alerts = list(session.exec(select(Alert).where(Alert.kind == "phq9_item9")).all())
    return screeners, calls, alerts


def _one_urgent(desk: Desk) -> ScreenerResult:
    """Exactly one PHQ-9 response, with one open same-day urgent call and one urgent alert."""
    [screener], [call], [alert] = _state(desk)
    assert screener.instrument == "phq9" and screener.loinc == PANEL
    assert alert.screener_id == screener.id and alert.severity == "urgent"
    assert alert.resolved_at is None and call.patient_id == alert.patient_id == screener.patient_id
    assert (call.kind, call.urgent, call.status) == ("call", True, "open")
    assert call.due_at.replace(tzinfo=UTC) <= datetime.now(UTC)  # due now: same-day work
    return screener


def _again_adds_nothing(desk: Desk, tmp_path: Path, *resources: dict[str, Any]) -> None:
    before = _state(desk)
    report = _import(desk, tmp_path, *resources)
    assert report.accepted, report.line()
    assert not report.created and not report.updated, report.line()
    after = _state(desk)
    assert [[r.id for r in rows] for rows in after] == [[r.id for r in rows] for rows in before]


def test_loose_item_observations_with_integers(desk: Desk, tmp_path: Path) -> None:
    resources = _items(ANSWERS, coded=False)
    report = _import(desk, tmp_path, *resources)
    assert report.accepted, report.line()
    assert report.created["alert"] == 1 and report.created["follow_up"] == 1
    assert any("question 9" in note for note in report.notes)
    screener = _one_urgent(desk)
    assert (screener.total, screener.band, screener.positive) == (9, "mild", False)
    assert json.loads(screener.answers)["phq9_9"] == 1
    _again_adds_nothing(desk, tmp_path, *resources)


def test_item_9_alone_with_a_loinc_answer_code_and_no_total(desk: Desk, tmp_path: Path) -> None:
    item9 = _obs("only-item-9", ITEM_CODES[8], **_coded(2))  # LA6570-1: more than half the days
    assert _import(desk, tmp_path, item9).accepted
    screener = _one_urgent(desk)
    assert json.loads(screener.answers) == {"phq9_9": 2}
    assert (screener.total, screener.band, screener.positive) == (None, None, False)
    _again_adds_nothing(desk, tmp_path, item9)


def test_panel_with_has_member_items_and_total(desk: Desk, tmp_path: Path) -> None:
    members = _items(ANSWERS, coded=True)
    for member in members:
        member["effectiveDateTime"] = "2026-03-02T09:31:00Z"  # joined by reference, not by time
    total = _obs("total", TOTAL, valueQuantity={"value": 9, "unit": "{score}"})
    refs = [{"reference": f"urn:uuid:{r['id']}"} for r in (*members, total)]
    panel = _obs("panel", PANEL, hasMember=refs)
    assert _import(desk, tmp_path, panel, *members, total).accepted
    screener = _one_urgent(desk)
    assert screener.total == 9 and json.loads(screener.answers)["phq9_1"] == 2
    _again_adds_nothing(desk, tmp_path, panel, *members, total)


def test_panel_with_components(desk: Desk, tmp_path: Path) -> None:
    parts = [
        {"code": _code(code), **_coded(v)}
        for code, v in zip(ITEM_CODES, (3, 3, 3, 3, 2, 1, 0, 0, 3), strict=True)
    ]
    parts.append({"code": _code(TOTAL), "valueInteger": 18})
    panel = _obs("panel-components", PANEL, component=parts)
    assert _import(desk, tmp_path, panel).accepted
    screener = _one_urgent(desk)
    assert (screener.total, screener.band, screener.positive) == (18, "moderately severe", True)
    _again_adds_nothing(desk, tmp_path, panel)


def _response(items: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "QuestionnaireResponse",
        "id": "qr-1",
        "status": "completed",
        "subject": {"reference": f"urn:uuid:{PID}"},
        "authored": WHEN,
        "item": items,
        **extra,
    }


def _answered(link_id: str, value: int, **extra: Any) -> dict[str, Any]:
    coding = {"system": LOINC, "code": LA[value]}
    return {"linkId": link_id, "answer": [{"valueCoding": coding}], **extra}


@pytest.mark.parametrize(
    "shape",
    ["linkId", "nested linkId", "definition", "item.code", "Questionnaire in the file"],
)
def test_questionnaire_response(desk: Desk, tmp_path: Path, shape: str) -> None:
    pairs = list(zip(ITEM_CODES, ANSWERS, strict=True))
    extra: list[dict[str, Any]] = []
    if shape == "linkId":
        items = [_answered(code, v) for code, v in pairs]
    elif shape == "nested linkId":  # LHC-Forms style: a group holding "/44249-1/44260-8"…
        items = [{"linkId": "/44249-1", "item": [_answered(f"/44249-1/{c}", v) for c, v in pairs]}]
    elif shape == "definition":
        items = [
            _answered(f"q{n}", v, definition=f"http://loinc.org/q/{PANEL}#{code}")
            for n, (code, v) in enumerate(pairs, start=1)
        ]
    elif shape == "item.code":  # not R4 on a response, but sent by some systems
        items = [_answered(f"q{n}", v, code=[{"system": LOINC, "code": code}])
                 for n, (code, v) in enumerate(pairs, start=1)]  # fmt: skip
    else:  # numeric linkIds, linked to LOINC codes by the Questionnaire's items
        items = [_answered(str(14362 + n), v) for n, (_, v) in enumerate(pairs, start=1)]
        extra = [{
            "resourceType": "Questionnaire", "id": "phq-9-form", "status": "active",
            "url": "http://example.org/Questionnaire/phq-9-form", "code": _code(PANEL)["coding"],
            "item": [{"linkId": str(14362 + n), "type": "choice", "code": _code(code)["coding"]}
                     for n, (code, _) in enumerate(pairs, start=1)],
        }]  # fmt: skip
    questionnaire = (
        "http://example.org/Questionnaire/phq-9-form|1.0"
        if extra
        else "http://example.org/Questionnaire/depression"
    )
    response = _response(items, questionnaire=questionnaire)
    report = _import(desk, tmp_path, response, *extra)
    assert report.accepted, report.line()
    screener = _one_urgent(desk)
    assert screener.total == 9 and screener.taken_at.replace(tzinfo=UTC) == datetime(
        2026, 3, 2, 9, 30, tzinfo=UTC
    )
    _again_adds_nothing(desk, tmp_path, response, *extra)


def test_a_response_whose_answers_cannot_be_linked_is_refused(desk: Desk, tmp_path: Path) -> None:
    """Opaque linkIds and no Questionnaire: item 9 could be among them, so nothing is kept."""
    items = [_answered(f"q{n}", v) for n, v in enumerate(ANSWERS, start=1)]
    response = _response(items, questionnaire=f"http://loinc.org/q/{PANEL}")
    report = _import(desk, tmp_path, response)
    assert not report.accepted
    assert report.problems[0].field == "item #1.linkId"
    assert _state(desk) == ([], [], [])


@pytest.mark.parametrize(("item9", "urgent"), [(0, False), (1, True), (2, True), (3, True)])
def test_item_9_threshold_is_several_days(
    desk: Desk, tmp_path: Path, item9: int, urgent: bool
) -> None:
    """Kroenke 2001: any item 9 answer ≥ 1 ("several days" or more) is positive."""
    item = _obs("item-9", ITEM_CODES[8], valueInteger=item9)
    total = _obs("total-only", TOTAL, valueInteger=3 + item9)
    assert _import(desk, tmp_path, item, total).accepted
    screeners, calls, alerts = _state(desk)
    assert len(screeners) == 1 and screeners[0].total == 3 + item9
    assert (len(calls), len(alerts)) == ((1, 1) if urgent else (0, 0))
    if urgent:
        assert f"answered {item9}" in calls[0].title


def test_a_total_alone_stays_a_total(desk: Desk, tmp_path: Path) -> None:
    """No item 9 is inferred from a total (even a severe one): no urgent work, no answers."""
    total = _obs("total-only", TOTAL, valueQuantity={"value": 22})
    assert _import(desk, tmp_path, total).accepted
    [screener], calls, alerts = _state(desk)
    assert (screener.total, screener.band, screener.positive) == (22, "severe", True)
    assert json.loads(screener.answers) == {} and calls == [] and alerts == []


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ({"valueString": "sometimes"}, "valueString"),
        ({"valueInteger": 4}, "valueInteger"),
        ({"valueCodeableConcept": {"coding": [{"system": LOINC, "code": "LA6572-7"}]}},
         "valueCodeableConcept"),
        ({"valueBoolean": True}, "value"),
    ],
)  # fmt: skip
def test_an_unreadable_item_9_answer_rejects_the_file(
    desk: Desk, tmp_path: Path, value: dict[str, Any], field: str
) -> None:
    item9 = _obs("bad-item-9", ITEM_CODES[8], **value)
    report = _import(desk, tmp_path, *_items(ANSWERS, coded=False)[:8], item9)
    assert not report.accepted and report.problems[0].field == field
    assert "bad-item-9" in report.problems[0].where
    assert _state(desk) == ([], [], [])


def test_items_that_contradict_the_total_reject_the_file(desk: Desk, tmp_path: Path) -> None:
    total = _obs("total", TOTAL, valueInteger=20)
    report = _import(desk, tmp_path, *_items(ANSWERS, coded=False), total)
    assert not report.accepted and "sum of the nine answers" in report.problems[0].reason


def test_an_answer_entered_in_error_raises_nothing(desk: Desk, tmp_path: Path) -> None:
    item9 = _obs("wrong-patient", ITEM_CODES[8], valueInteger=3) | {"status": "entered-in-error"}
    report = _import(desk, tmp_path, item9)
    assert report.accepted and any("entered-in-error" in note for note in report.notes)
    assert _state(desk) == ([], [], [])


def test_items_1_and_2_alone_stay_measurements(desk: Desk, tmp_path: Path) -> None:
    """Items 1–2 are also the PHQ-2 (Kroenke 2003): alone they make no PHQ-9."""
    assert _import(desk, tmp_path, *_items(ANSWERS, coded=False)[:2]).accepted
    assert _state(desk) == ([], [], [])
    with desk.reading() as session:
        codes = sorted(o.loinc or "" for o in session.exec(select(Observation)).all())
    assert codes == sorted(ITEM_CODES[:2])


def test_own_export_carries_item_9_to_another_vault_once(
    desk: Desk, other_desk: Desk, tmp_path: Path
) -> None:
    """The form raised the work in the first vault; importing its export raises it in the
    second vault once, and in the first vault not again."""
    pid = _import(desk, tmp_path).patient_ids[0]
    desk.screeners.record(pid, "phq9", answers_for("phq9", 12, item9=2))
    _one_urgent(desk)
    out = desk.interop.export_fhir(pid, tmp_path / "export.json")
    for vault in (other_desk, other_desk, desk):
        report = vault.interop.import_file(out)
        assert report.accepted, report.line()
        screener = _one_urgent(vault)
        assert screener.total == 12 and json.loads(screener.answers)["phq9_9"] == 2


def test_an_item_9_alone_leaves_the_last_score_in_place(desk: Desk, tmp_path: Path) -> None:
    """Answers without a total add urgent work; they do not erase the last PHQ-9 score from the
    risk score or the suggestions (16 is moderately severe, ≥ 10 suggests a referral)."""
    pid = _import(desk, tmp_path).patient_ids[0]
    desk.screeners.record(
        pid, "phq9", answers_for("phq9", 16, item9=0), datetime(2026, 3, 1, tzinfo=UTC)
    )
    before = desk.risk.score(pid)
    assert before is not None and before.scores["phq9"] == 16
    assert _import(desk, tmp_path, _obs("item-9", ITEM_CODES[8], valueInteger=1)).accepted
    after = desk.risk.score(pid)
    assert after is not None and after.scores["phq9"] == 16
    assert after.scores["urgent_alerts"] == 1
    assert "phq9_moderate" in [s.rule for s in desk.suggestions.for_patient(pid)]


def test_an_item_9_without_a_total_survives_export_and_import(
    desk: Desk, other_desk: Desk, tmp_path: Path
) -> None:
    assert _import(desk, tmp_path, _obs("item-9", ITEM_CODES[8], **_coded(1))).accepted
    pid = _one_urgent(desk).patient_id
    out = desk.interop.export_fhir(pid, tmp_path / "export.json")
    for _ in range(2):
        report = other_desk.interop.import_file(out)
        assert report.accepted, report.line()
        screener = _one_urgent(other_desk)
        assert json.loads(screener.answers) == {"phq9_9": 1} and screener.total is None
