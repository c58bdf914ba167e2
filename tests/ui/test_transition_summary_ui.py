"""The Transition tab saves the summary for the next provider where the user chooses."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from careDesk.desk import Desk
from tests.careDesk.care.full_chart import ALLERGIES, MEDICINES, full_chart
from tests.careDesk.handouts.pdfcheck import all_text
from tests.ui.conftest import wait_idle
from ui.chart.transition import TransitionTab
from ui.workspace import Workspace


def test_save_summary_from_the_transition_tab(
    qtbot: QtBot, ws: Workspace, desk: Desk, tmp_path: Path
) -> None:
    pid = full_chart(desk)
    tab = TransitionTab(ws, pid)
    qtbot.addWidget(tab)
    tab.show()
    wait_idle(qtbot, ws.worker)
    assert tab.print_button.isVisibleTo(tab)
    target = tmp_path / "chosen" / "summary.pdf"
    target.parent.mkdir()
    tab.save_summary(target)
    qtbot.waitUntil(lambda: "Saved summary.pdf" in tab.saved.text())
    text = " ".join(all_text(target.read_bytes()).split())
    assert all(name in text for name in (*MEDICINES, *ALLERGIES))


def test_a_failed_save_says_why(qtbot: QtBot, ws: Workspace, desk: Desk, tmp_path: Path) -> None:
    pid = full_chart(desk)
    tab = TransitionTab(ws, pid)
    qtbot.addWidget(tab)
    tab.show()
    wait_idle(qtbot, ws.worker)
    tab.save_summary(tmp_path / "missing folder" / "summary.pdf")
    qtbot.waitUntil(lambda: "cannot write" in tab.saved.text())
    assert "Muñoz" not in tab.saved.text()
