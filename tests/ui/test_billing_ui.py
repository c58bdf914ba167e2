"""Minutes for billing in the client (issue 19): a dated call with its category, staff member
and follow-up; the chart header's minutes against the next threshold; the timer; the Billing
page and its CSV.

Thresholds are the CPT descriptors: 99490 "at least 20 minutes of clinical staff time … per
calendar month" (AMA CPT 2024; CMS MLN909188), PCM 99426 "first 30 minutes of clinical staff
time" (CPT 2022). Every CCM code needs consent and two chronic conditions (MLN909188).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from careDesk.desk import Desk
from careDesk.model.base import utcnow
from careDesk.model.clinical import Condition
from careDesk.model.security import user_id
from careDesk.paths import VaultPaths
from careDesk.store.vault import create_vault
from tests.careDesk.care.clinic_rows import store
from tests.conftest import ADMIN
from tests.conftest import PASSWORD as ADMIN_PASSWORD
from tests.ui.conftest import add_patient, chart_view, wait_idle
from ui.app import App
from ui.chart.minutes_form import MinutesDialog
from ui.chart.timeline import TimelineTab
from ui.login import UnlockDialog
from ui.main_window import MainWindow
from ui.pages.billing import NEAR_BACKGROUND, BillingPage
from ui.workspace import Workspace

PASSWORD = "violet harbour compass lantern"
OCTOBER = datetime(2026, 10, 20, 16, 0, tzinfo=UTC)


@pytest.fixture
def nurse(desk: Desk, fast_kdf: None) -> str:
    desk.users.add("nurse", PASSWORD, "coordinator", "Nora Nurse")
    return user_id("nurse")


@pytest.fixture
def patient(desk: Desk) -> str:
    pid = add_patient(
        desk, "Rosa", "Muñoz", "MRN-B1", consent_program=True, consent_program_on="2026-01-05"
    )
    store(
        desk,
        Condition(patient_id=pid, display="Type 2 diabetes", icd10="E11.9"),
        Condition(patient_id=pid, display="Heart failure", icd10="I50.9"),
    )
    return pid


def _ready(qtbot: QtBot, dialog: MinutesDialog) -> MinutesDialog:
    qtbot.waitUntil(lambda: dialog.choices_loaded)
    return dialog


def test_log_a_dated_call_with_category_staff_and_the_follow_up_it_answers(
    qtbot: QtBot, ws: Workspace, desk: Desk, nurse: str, patient: str
) -> None:
    task = desk.followups.create(
        patient, kind="call", title="Check BP log", due_at=utcnow() - timedelta(days=1)
    ).value
    tab = TimelineTab(ws, patient)
    qtbot.addWidget(tab)
    tab.show()
    wait_idle(qtbot, ws.worker)
    call = _ready(qtbot, tab.log_call())
    call.set_value("summary", "BP log reviewed")
    call.set_value("at", OCTOBER)  # logged late: the call was in October
    call.set_value("minutes", 30)
    call.set_value("category", "pcm")
    call.set_value("staff_id", nurse)
    call.set_value("follow_up_id", task.id)
    with qtbot.waitSignal(call.saved):
        call.submit()
    wait_idle(qtbot, ws.worker)
    [row] = desk.billing.month(2026, 10)
    assert (row.category, row.staff_minutes, row.code_text()) == ("pcm", 30, "99426")
    assert desk.followups.open_for_patient(patient) == []
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1)
    assert tab.model.index(0, 3).data() == "30 (PCM)"
    # A future time is refused beside its field; nothing is saved.
    late = _ready(qtbot, tab.log_call())
    late.set_value("at", utcnow() + timedelta(days=2))
    late.set_value("minutes", 5)
    late.submit()
    qtbot.waitUntil(lambda: late.form.error_for("at") != "")
    assert "future" in late.form.error_for("at")
    assert desk.timeline.count(patient) == 1


def test_header_shows_this_months_minutes_against_the_next_threshold(
    qtbot: QtBot, ws: Workspace, desk: Desk, nurse: str, patient: str
) -> None:
    desk.timeline.log_call(patient, outcome="reached", minutes=15, staff_id=nurse)
    view = chart_view(qtbot, ws, patient)
    qtbot.waitUntil(lambda: "CCM" in view.header.minutes.text())
    assert view.header.minutes.text() == "CCM this month: 15 of 20 min (99490)"
    desk.timeline.log_call(patient, outcome="reached", minutes=5, staff_id=nurse)
    qtbot.waitUntil(lambda: "20 of 40" in view.header.minutes.text())  # 99490 reached
    assert view.header.minutes.text() == "CCM this month: 20 of 40 min (99439)"


def test_timer_survives_switching_tabs_and_fills_the_form(
    qtbot: QtBot, ws: Workspace, desk: Desk, nurse: str, patient: str
) -> None:
    view = chart_view(qtbot, ws, patient)
    titles: list[str] = []
    view.title_changed.connect(titles.append)
    now = [1000.0]
    view.timer.clock = lambda: now[0]
    view.timer.start_button.click()
    assert view.timer.running and titles[-1].startswith("● ")
    view.show_tab("plan")  # other tabs, other work: the timer keeps running
    view.show_tab("measures")
    now[0] += 12 * 60 + 40  # 12 min 40 s later
    assert view.timer.running and view.timer.minutes() == 12
    view.timer.call_button.click()
    assert not view.timer.running and not titles[-1].startswith("● ")
    dialog = _ready(qtbot, view.timed_dialog)
    assert view.current_tab() is view.tab_by_key["timeline"]
    assert dialog.widgets["minutes"].value() == 12
    dialog.set_value("staff_id", nurse)
    with qtbot.waitSignal(dialog.saved):
        dialog.submit()
    wait_idle(qtbot, ws.worker)
    [entry] = desk.timeline.page(patient)
    assert (entry.kind, entry.minutes, entry.category) == ("call", 12, "ccm")


def test_closing_a_chart_with_a_running_timer_asks_first(
    qtbot: QtBot, ws: Workspace, desk: Desk, patient: str
) -> None:
    window = MainWindow(ws)
    qtbot.addWidget(window)
    window.show()
    window.open_chart(patient)
    view = window.current_chart()
    assert view is not None
    qtbot.waitUntil(lambda: view.chart is not None)
    view.timer.start()
    window.close_chart(window.charts.indexOf(view))
    [box] = [b for b in view.findChildren(QMessageBox) if b.isVisible()]
    assert window.charts.indexOf(view) >= 0  # not closed silently
    keep = next(b for b in box.buttons() if b.text() == "Keep the chart open")
    keep.click()
    assert view.timer.running and window.charts.indexOf(view) >= 0
    window.close_chart(window.charts.indexOf(view))
    [box] = [b for b in view.findChildren(QMessageBox) if b.isVisible()]
    next(b for b in box.buttons() if b.text() == "Discard time and close").click()
    assert window.charts.count() == 0
    # Without a timer the chart closes at once.
    window.open_chart(patient)
    window.close_chart(0)
    assert window.charts.count() == 0


def test_billing_page_lists_highlights_and_exports(
    qtbot: QtBot, ws: Workspace, desk: Desk, nurse: str, patient: str, tmp_path: Path
) -> None:
    other = add_patient(
        desk, "Ana", "Lopez", "MRN-B2", consent_program=True, consent_program_on="2026-01-05"
    )
    store(
        desk,
        Condition(patient_id=other, display="COPD", icd10="J44.9"),
        Condition(patient_id=other, display="CKD 4", icd10="N18.4"),
    )
    desk.timeline.log_call(patient, outcome="reached", minutes=17, at=OCTOBER, staff_id=nurse)
    desk.timeline.log_call(other, outcome="reached", minutes=25, at=OCTOBER, staff_id=nurse)
    page = BillingPage(ws)
    qtbot.addWidget(page)
    page.month.setDate(QDate(2026, 10, 1))
    page.show()
    qtbot.waitUntil(lambda: page.model.rowCount() == 2)
    names = [page.model.index(r, 0).data() for r in range(2)]
    assert names == ["Lopez, Ana", "Muñoz, Rosa"]
    lopez, munoz = (page.model.row_at(r) for r in range(2))
    assert (lopez.code_text(), munoz.code_text()) == ("99490", "")
    near = page.model.index(1, 5)
    assert near.data() == "near: 3 min to 99490 (at 20)"
    assert near.data(Qt.ItemDataRole.BackgroundRole).color() == NEAR_BACKGROUND
    assert page.model.index(0, 5).data(Qt.ItemDataRole.BackgroundRole) is None
    page.near_only.setChecked(True)
    assert page.model.rowCount() == 1
    target = tmp_path / "october.csv"
    page.export(target)
    wait_idle(qtbot, ws.worker)
    with target.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["name"], r["minutes"], r["codes"], r["near_threshold"]) for r in rows] == [
        ("Lopez, Ana", "25", "99490", "no"),
        ("Muñoz, Rosa", "17", "", "yes"),
    ]
    assert date(2026, 10, 1) == page.chosen_month()


def test_a_running_timer_survives_a_lock_for_the_same_user(
    qtbot: QtBot, make_app: Callable[..., App], vault_paths: VaultPaths, fast_kdf: None
) -> None:
    """Idle lock during a long call must not lose the time (nor keep it running unseen)."""
    desk = create_vault(vault_paths, ADMIN, ADMIN_PASSWORD)[0]
    pid = add_patient(desk, "Rosa", "Muñoz", "MRN-B3")
    desk.close()
    app = make_app()
    app.start()
    with qtbot.waitSignal(app.ready, timeout=10_000) as ready:
        _unlock(qtbot, app)
    window = ready.args[0]
    window.open_chart(pid)
    view = window.current_chart()
    assert view is not None
    view.timer.start()
    started = view.timer.started_at
    with qtbot.waitSignal(app.locked, timeout=5_000):
        app.lock()
    with qtbot.waitSignal(app.ready, timeout=10_000) as again:
        _unlock(qtbot, app)
    chart = again.args[0].current_chart()
    assert chart is not None and chart.patient_id == pid
    assert chart.timer.running and chart.timer.started_at == started


def _unlock(qtbot: QtBot, app: App) -> None:
    dialog = app.dialog
    assert isinstance(dialog, UnlockDialog)
    dialog.login.setText(ADMIN)
    dialog.password.setText(ADMIN_PASSWORD)
    dialog.submit()


def test_quitting_or_signing_out_with_a_running_timer_asks_first(
    qtbot: QtBot, ws: Workspace, desk: Desk, patient: str
) -> None:
    window = MainWindow(ws)
    qtbot.addWidget(window)
    window.show()
    window.open_chart(patient)
    view = window.current_chart()
    assert view is not None
    view.timer.start()
    window.show_page("today")
    window.close()  # Ctrl+Q
    assert window.isVisible()  # not closed: the time would be lost
    [box] = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    next(b for b in box.buttons() if b.text() == "Go back to the chart").click()
    assert window.current_key() == "charts" and view.timer.running
    signed_out: list[bool] = []
    box = window.confirm_timers(lambda: signed_out.append(True))  # Ctrl+Shift+Q
    assert box is not None and signed_out == []
    next(b for b in box.buttons() if b.text() == "Discard the time").click()
    assert signed_out == [True] and not view.timer.running
    window.close()  # no timer: closes at once
    assert not window.isVisible()


def test_the_category_starts_on_the_patients_last_one(
    qtbot: QtBot, ws: Workspace, desk: Desk, nurse: str, patient: str
) -> None:
    tab = TimelineTab(ws, patient)
    qtbot.addWidget(tab)
    tab.show()
    first = _ready(qtbot, tab.add_note())
    assert first.widgets["category"].currentData() == "ccm"  # nothing logged yet: CCM
    first.reject()
    desk.timeline.log_call(patient, outcome="reached", minutes=20, category="bhi")
    note = _ready(qtbot, tab.add_note())
    assert note.widgets["category"].currentData() == "bhi"
