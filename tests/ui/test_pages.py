"""Schedule, Resources, Admin pages; transition, referrals and handout from the chart."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from pytestqt.qtbot import QtBot

from careDesk.desk import Desk
from careDesk.model.base import utcnow
from tests.ui.conftest import add_patient, wait_idle
from ui.chart.handout import HandoutDialog
from ui.chart.referrals import ReferralsTab
from ui.chart.transition import TransitionTab
from ui.pages.admin import AdminPage
from ui.pages.resources import ResourcesPage
from ui.pages.schedule import SchedulePage
from ui.workspace import Workspace


def _shown(qtbot: QtBot, widget: Any, ws: Workspace) -> Any:
    qtbot.addWidget(widget)
    widget.show()
    wait_idle(qtbot, ws.worker)
    return widget


def test_schedule_puts_overdue_first(
    qtbot: QtBot, ws: Workspace, desk: Desk, qtmodeltester: Any
) -> None:
    pid = add_patient(desk, "Ana", "Peña", "S-1")
    now = utcnow()
    desk.followups.create(
        pid,
        kind="call",
        title="Check sugar log",
        due_at=now + timedelta(hours=1),
        assignee_id=desk.user.id,
    )
    desk.followups.create(
        pid,
        kind="call",
        title="Missed call back",
        due_at=now - timedelta(days=2),
        assignee_id=desk.user.id,
    )
    page = _shown(qtbot, SchedulePage(ws), ws)
    page.span.setCurrentIndex(page.span.findData("week"))
    qtbot.waitUntil(lambda: page.model.rowCount() == 2)
    assert page.model.row_at(0).what == "Missed call back"
    assert page.model.row_at(0).overdue
    qtmodeltester.check(page.model)
    assert ws.prefs.text("schedule/span") == "week"  # the filter is remembered per user


def test_resources_search_and_add(qtbot: QtBot, ws: Workspace, qtmodeltester: Any) -> None:
    page = _shown(qtbot, ResourcesPage(ws), ws)
    dialog = page.add_resource()
    dialog.set_value("name", "Banco de Comida Crédito")
    dialog.set_value("languages", "en, es")
    with qtbot.waitSignal(dialog.saved):
        dialog.submit()
    page.text.setText("credito")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    qtmodeltester.check(page.model)


def test_referral_loop_and_resource_referral(qtbot: QtBot, ws: Workspace, desk: Desk) -> None:
    pid = add_patient(desk, "Ana", "Peña", "R-1")
    food = desk.resources.add(name="Food pantry", category="food").value
    tab = _shown(qtbot, ReferralsTab(ws, pid), ws)
    dialog = tab.new_referral()
    dialog.set_value("to_name", "Cardiology clinic")
    dialog.set_value("reason", "Heart failure follow-up")
    with qtbot.waitSignal(dialog.saved):
        dialog.submit()
    qtbot.waitUntil(lambda: tab.referrals.rowCount() == 1)
    tab.referral_view.selectRow(0)
    step = tab.next_step()
    assert step is not None
    with qtbot.waitSignal(step.saved):
        step.submit()
    qtbot.waitUntil(lambda: tab.referrals.row_at(0).state == "sent")
    refer = tab.refer_resource()
    refer.set_value("resource_id", food.id)
    with qtbot.waitSignal(refer.saved):
        refer.submit()
    qtbot.waitUntil(lambda: tab.resources.rowCount() == 1)


def test_discharge_closes_open_follow_ups(qtbot: QtBot, ws: Workspace, desk: Desk) -> None:
    pid = add_patient(desk, "Ana", "Peña", "T-1", consent_program=True)
    desk.patients.enroll(pid)
    desk.followups.create(pid, kind="call", title="Call", due_at=utcnow() + timedelta(days=1))
    tab = _shown(qtbot, TransitionTab(ws, pid), ws)
    dialog = tab.discharge()
    dialog.submit()
    wait_idle(qtbot, ws.worker)
    assert dialog.form.error_for("summary")  # a summary is required
    dialog.set_value("summary", "Goals met; sugar under control.")
    with qtbot.waitSignal(dialog.saved):
        dialog.submit()
    assert "1 open follow-up(s) cancelled" in tab.done.text()
    assert desk.patients.get(pid).status == "discharged"


def test_handout_saved_as_pdf(qtbot: QtBot, ws: Workspace, desk: Desk, tmp_path: Path) -> None:
    pid = add_patient(desk, "Ana", "Peña", "H-1", language="es")
    dialog = _shown(qtbot, HandoutDialog(ws, pid), ws)
    assert dialog.language.currentData() == "es"  # the patient's own language by default
    out = tmp_path / "handout.pdf"
    dialog.save_to(out)
    qtbot.waitUntil(lambda: out.exists())
    assert out.read_bytes().startswith(b"%PDF")
    assert desk.audit_events(patient_id=pid)[0].action == "print"  # printing is audited


def test_admin_adds_user_and_makes_backup(
    qtbot: QtBot, ws: Workspace, desk: Desk, qtmodeltester: Any
) -> None:
    page = _shown(qtbot, AdminPage(ws), ws)
    assert page.users.model.rowCount() == 1
    qtmodeltester.check(page.users.model)
    dialog = page.users.add_user()
    dialog.login.setText("maria")
    dialog.display.setText("María Coordinator")
    dialog.password.setText("sunny garden path")
    with qtbot.waitSignal(dialog.accepted):
        dialog.submit()
    qtbot.waitUntil(lambda: page.users.model.rowCount() == 2)
    page.backups.make_backup()
    qtbot.waitUntil(lambda: "succeeded" in page.backups.last.text(), timeout=10_000)
    page.tabs.setCurrentWidget(page.audit)
    page.audit.action.setText("backup.make")
    page.audit.load()
    qtbot.waitUntil(lambda: page.audit.model.rowCount() == 1)
    qtmodeltester.check(page.audit.model)


def test_reports_dashboard_charts_and_csv(
    qtbot: QtBot, ws: Workspace, desk: Desk, tmp_path: Path
) -> None:
    from ui.pages.reports import ReportsPage

    for n in range(3):
        add_patient(desk, f"P{n}", "Lopez", f"M-{n}")
    page = ReportsPage(ws)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.report is not None)
    chart = page.cards["caseload by status"].chart
    assert ("candidate", 3.0) in chart.bars
    assert "candidate: 3" in chart.accessibleDescription()
    assert chart.grab().width() > 0  # paints without error
    out = page.export("caseload by status", tmp_path / "caseload.csv")
    assert out is not None
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "section,metric,value"
    assert "caseload by status,candidate,3" in lines


def test_reports_show_ccm_codes_per_month(qtbot: QtBot, ws: Workspace, desk: Desk) -> None:
    """25 clinical staff minutes this month, 2 chronic conditions, consent → one 99490
    (CPT 2024; CMS MLN909188)."""
    from careDesk.care.verb_kit import local_today
    from careDesk.model.clinical import Condition
    from careDesk.model.timeline import TimeEntry
    from ui.pages.reports import ReportsPage

    pid = add_patient(desk, "Rosa", "Lopez", "CCM-1", consent_program=True)
    today = local_today(utcnow())
    with desk.writing() as tx:
        for name, code in (("Type 2 diabetes", "E11.9"), ("Heart failure", "I50.9")):
            tx.add(Condition(patient_id=pid, display=name, icd10=code), kind="condition")
        tx.add(
            TimeEntry(
                patient_id=pid,
                user_id="nurse-elsewhere",
                on_date=today,
                minutes=25,
                activity="call",
            ),
            kind="time_entry",
            patient_id=pid,
        )
    page = ReportsPage(ws)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.report is not None)
    bars = page.cards["CCM codes supported"].chart.bars
    assert (f"{today:%Y-%m} 99490", 1.0) in bars
