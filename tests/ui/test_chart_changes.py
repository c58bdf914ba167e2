"""A chart reloads exactly what a change touched, and an open is audited once (issue 18).

Before: every chart tab reloaded on any change to its patient (``watches`` was ignored), and
each reload of the chart wrote another ``chart.open`` event, so one open and three edits left
four "opened the chart" lines in the audit trail.
"""

from __future__ import annotations

from collections import Counter

from pytestqt.qtbot import QtBot

from careDesk.changes import Changes, Kind
from careDesk.desk import Desk
from tests.ui.conftest import add_patient, wait_idle
from ui.chart.base import ChartTab
from ui.chart.view import ChartView
from ui.worker import DbWorker
from ui.workspace import Workspace


def _open(qtbot: QtBot, ws: Workspace, patient_id: str) -> ChartView:
    view = ChartView(ws, patient_id)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.loaded):
        view.show()
    return view


def _count_reloads(view: ChartView) -> Counter[str]:
    """Count each tab's reload requests (by tab key) from now on."""
    counts: Counter[str] = Counter()
    for key, tab in view.tab_by_key.items():
        assert isinstance(tab, ChartTab)

        def counted(key: str = key, original=tab.refresh) -> None:  # type: ignore[no-untyped-def]
            counts[key] += 1
            original()

        tab.refresh = counted  # type: ignore[method-assign]
    return counts


def test_an_edit_reloads_only_the_tabs_that_show_its_kind(
    qtbot: QtBot, ws: Workspace, desk: Desk, worker: DbWorker
) -> None:
    pid = add_patient(desk, "Ana", "Silva", "MRN-1")
    view = _open(qtbot, ws, pid)
    counts = _count_reloads(view)

    desk.timeline.add_note(pid, summary="Called about the ride to dialysis")
    wait_idle(qtbot, worker)
    assert counts == Counter({"timeline": 1})

    counts.clear()
    desk.clinical.add_condition(pid, display="Type 2 diabetes", icd10="E11.9")
    wait_idle(qtbot, worker)
    assert counts == Counter({"clinical": 1})
    watching = {k for k, t in view.tab_by_key.items() if Kind.CONDITION in t.watches}
    assert set(counts) == watching


def test_a_change_to_another_patient_reloads_nothing(
    qtbot: QtBot, ws: Workspace, desk: Desk, worker: DbWorker
) -> None:
    pid = add_patient(desk, "Ana", "Silva", "MRN-1")
    other = add_patient(desk, "Bo", "Tran", "MRN-2")
    view = _open(qtbot, ws, pid)
    counts = _count_reloads(view)
    desk.timeline.add_note(other, summary="Someone else's note")
    wait_idle(qtbot, worker)
    assert counts == Counter()


def test_each_watched_kind_reaches_exactly_its_tabs(
    qtbot: QtBot, ws: Workspace, desk: Desk
) -> None:
    """Every kind any tab watches, sent alone for this patient, reloads those tabs only."""
    pid = add_patient(desk, "Ana", "Silva", "MRN-1")
    view = _open(qtbot, ws, pid)
    counts = _count_reloads(view)
    tabs = {k: t for k, t in view.tab_by_key.items() if isinstance(t, ChartTab)}
    for kind in Kind:
        counts.clear()
        changes = Changes()
        changes.add(kind, "some-id", pid)
        ws.changed.emit(changes)
        assert set(counts) == {k for k, t in tabs.items() if kind in t.watches}, kind


def test_one_open_and_three_edits_is_one_chart_open(
    qtbot: QtBot, ws: Workspace, desk: Desk, worker: DbWorker
) -> None:
    pid = add_patient(desk, "Ana", "Silva", "MRN-1")
    view = _open(qtbot, ws, pid)
    for summary in ("first", "second", "third"):
        with qtbot.waitSignal(view.loaded):  # the header reloads after each edit
            desk.timeline.add_note(pid, summary=summary)
    wait_idle(qtbot, worker)
    assert len(desk.audit_events(patient_id=pid, action="chart.open")) == 1
    second = _open(qtbot, ws, pid)  # opening it again is a second open
    assert second.chart is not None
    assert len(desk.audit_events(patient_id=pid, action="chart.open")) == 2
