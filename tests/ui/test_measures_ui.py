"""The chart's Measures tab, the measurement form and the Registry page (issue 17)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pyqtgraph as pg
import time_machine
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGraphicsRectItem
from pytestqt.qtbot import QtBot

from careDesk.desk import Desk
from careDesk.model.assessment import ScreenerResult
from careDesk.model.base import utcnow
from careDesk.model.clinical import Condition
from careDesk.model.plan import Goal
from tests.careDesk.care.clinic_rows import patient, store
from tests.ui.conftest import add_patient, wait_idle
from ui.chart.measure_form import MeasurementDialog
from ui.chart.measures import MeasuresTab
from ui.pages.registry import RegistryPage
from ui.pages.schedule import SchedulePage
from ui.qt_values import to_date, to_datetime
from ui.worker import DbWorker
from ui.workspace import Workspace

NOW = utcnow()


def _patient_with_measures(desk: Desk) -> str:
    pid = add_patient(desk, "Rosa", "Lopez", "UI-M1")
    plan = desk.plans.ensure_active(pid).value
    problem = desk.plans.add_problem(plan.id, description="Diabetes").value
    goal = desk.plans.add_goal(
        problem.id, description="A1c", target="below 7%", measure_loinc="4548-4"
    ).value
    with desk.writing() as tx:  # the goal was set 200 days ago
        row = tx.session.get(Goal, goal.id)
        assert row is not None
        row.created_at = NOW - timedelta(days=200)
        tx.touch(row, kind="goal", patient_id=pid)
    for value, days in ((8.6, 160), (7.9, 40)):
        desk.measures.record(
            pid, kind="a1c", value=value, unit="%", taken_at=NOW - timedelta(days=days)
        )
    desk.measures.record(pid, kind="blood_pressure", systolic=188, diastolic=96)
    desk.measures.record(
        pid, kind="weight", value=80, unit="kg", taken_at=NOW - timedelta(days=200)
    )
    return pid


def _tab(qtbot: QtBot, ws: Workspace, worker: DbWorker, pid: str) -> MeasuresTab:
    tab = MeasuresTab(ws, pid)
    qtbot.addWidget(tab)
    tab.resize(1200, 700)
    tab.show()
    qtbot.waitUntil(lambda: tab.view is not None, timeout=10_000)
    wait_idle(qtbot, worker)
    return tab


def test_the_measures_tab_shows_each_series_against_its_goal(
    qtbot: QtBot, ws: Workspace, desk: Desk, worker: DbWorker, qtmodeltester: Any
) -> None:
    pid = _patient_with_measures(desk)
    tab = _tab(qtbot, ws, worker, pid)
    assert [s.display for s in tab.series] == ["A1c", "Blood pressure", "Weight"]
    titles = [i.textItem.toPlainText() for i in tab.plot.items if isinstance(i, pg.TextItem)]
    assert len(titles) == 3
    assert "1 stale" in tab.summary.text()
    assert "STALE" in titles[2]  # weight: 200 days old
    assert "target below 7%: improving" in titles[0]
    bands = [i for i in tab.plot.items if isinstance(i, QGraphicsRectItem)]
    assert len(bands) == 1  # the A1c goal's target band
    assert "URGENT" in tab.flags.text() and "188/96" in tab.flags.text()
    assert "A1c 7.9 % on" in tab.goals.text() and "improving" in tab.goals.text()
    tab.choose(0)
    assert tab.model.rowCount() == 2
    assert tab.model.data(tab.model.index(0, 1)) == "7.9 %"  # newest first
    qtmodeltester.check(tab.model)
    assert tab.grab().width() > 0  # paints


def test_the_form_records_in_the_unit_chosen_and_names_a_wrong_value(
    qtbot: QtBot, ws: Workspace, desk: Desk, worker: DbWorker
) -> None:
    pid = add_patient(desk, "Ali", "Khan", "UI-M2")
    dialog = MeasurementDialog(ws, pid)
    qtbot.addWidget(dialog)
    dialog.select("a1c")
    assert [dialog.unit.itemData(i) for i in range(dialog.unit.count())] == ["%", "mmol/mol"]
    dialog.value.setText("53")
    dialog.submit()
    wait_idle(qtbot, worker)
    assert "mmol/mol" in dialog.form.error_for("value")  # 53 % is not an A1c; 53 mmol/mol is
    dialog.unit.setCurrentIndex(dialog.unit.findData("mmol/mol"))
    with qtbot.waitSignal(dialog.saved, timeout=10_000):
        dialog.submit()
    (series,) = desk.measures.overview(pid).series
    assert series.format(series.points[0]) == "7.0 %"


def test_a_form_takes_today_from_the_desk_s_clock(
    qtbot: QtBot, ws: Workspace, desk: Desk, worker: DbWorker
) -> None:
    """A measurement is "now" and a day is "today" by the clock the desk checks them against
    (a time in the future is refused), not the system's own: across midnight the two differ."""
    pid = add_patient(desk, "Ben", "Cole", "UI-M4")
    earlier = (NOW - timedelta(days=3)).astimezone()
    with time_machine.travel(earlier, tick=True):
        dialog = MeasurementDialog(ws, pid)
        page = SchedulePage(ws)
    qtbot.addWidget(dialog)
    qtbot.addWidget(page)
    taken = to_datetime(dialog.taken_at.dateTime())
    assert abs(taken - earlier.replace(tzinfo=None)) < timedelta(minutes=2)
    assert to_date(page.day.date()) == earlier.date()


def test_the_blood_pressure_form_asks_for_both_numbers(
    qtbot: QtBot, ws: Workspace, desk: Desk, worker: DbWorker
) -> None:
    pid = add_patient(desk, "Ana", "Ruiz", "UI-M3")
    dialog = MeasurementDialog(ws, pid)
    qtbot.addWidget(dialog)
    dialog.select("blood_pressure")
    dialog.systolic.setText("128")
    dialog.submit()
    wait_idle(qtbot, worker)
    assert "both numbers" in dialog.form.error_for("diastolic")
    assert desk.measures.overview(pid).series == []


def test_the_registry_lists_who_is_not_improving_first(
    qtbot: QtBot, ws: Workspace, desk: Desk, worker: DbWorker, qtmodeltester: Any
) -> None:
    rows: list[Any] = []
    for mrn, scores in (("RG-OK", (18, 6)), ("RG-STUCK", (16, 14))):
        p = patient(mrn, family_name=mrn, enrolled_on=(NOW - timedelta(days=100)).date())
        rows += [p, Condition(patient_id=p.id, display="Depression", icd10="F32.1")]
        rows += [
            ScreenerResult(patient_id=p.id, instrument="phq9", loinc="44249-1", total=t,
                           taken_at=NOW - timedelta(days=d))
            for t, d in zip(scores, (95, 5), strict=True)
        ]  # fmt: skip
    store(desk, *rows)
    page = RegistryPage(ws)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=10_000)
    wait_idle(qtbot, worker)
    first = page.model.row_at(0)
    assert first.name.startswith("RG-STUCK") and first.outcome == "not improving"
    assert page.model.data(page.model.index(0, 0), Qt.ItemDataRole.ForegroundRole) is not None
    assert page.model.data(page.model.index(1, 0), Qt.ItemDataRole.ForegroundRole) is None
    assert "2 patient(s)" in page.count.text()
    qtmodeltester.check(page.model)
    page.outcome.setCurrentIndex(page.outcome.findData("response"))
    qtbot.waitUntil(
        lambda: page.model.rowCount() == 1 and page.model.row_at(0).outcome == "response",
        timeout=10_000,
    )
