"""Screenshots of the real app with demo data: ``python -m ui.screenshots OUT_DIR [NAME...]``.

Run under a display (``xvfb-run -s "-screen 0 1440x900x24" python -m ui.screenshots
docs/screenshots``). It creates a throwaway clinic with demo patients in a temporary data
folder, signs in through the real sign-in dialog, and grabs the worklist, a chart's care plan,
a screener, the dashboard, the reminders page, a chart's Measures tab and the treat-to-target
registry with ``QWidget.grab()``. Names after the folder (e.g. ``measures registry``) take only
those screenshots.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from careDesk.care.demo import generate_demo
from careDesk.paths import VaultPaths
from careDesk.store.vault import create_vault
from ui.app import App, load_style
from ui.chart.measures import MeasuresTab
from ui.chart.screeners import ScreenersTab
from ui.chart.view import ChartView
from ui.login import UnlockDialog
from ui.main_window import MainWindow
from ui.pages.registry import RegistryPage
from ui.pages.today import TodayPage

LOGIN, PASSWORD = "coordinator", "demo clinic sunrise"  # a throwaway demo vault
PATIENTS = 400


def _settle(ms: int = 600) -> None:
    """Let pending database ops and paints finish (a tool, not a test: a short wait is fine)."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def _wait_for(signal: Any, timeout_ms: int = 60_000) -> list[Any]:
    got: list[Any] = []
    loop = QEventLoop()

    def done(*args: Any) -> None:
        got.extend(args)
        loop.quit()

    signal.connect(done)
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    return got


def _save(widget: QWidget, out: Path, name: str) -> None:
    _settle()
    widget.grab().save(str(out / name))
    print(f"saved {out / name}")


def _prepare(root: Path) -> VaultPaths:
    paths = VaultPaths(root)
    desk, _recovery = create_vault(paths, LOGIN, PASSWORD, display_name="Dana Rivera")
    with desk:
        desk.settings.set("clinic.name", "Riverside Family Clinic")
        desk.settings.set("clinic.phone", "555-0142")
        generate_demo(desk, patients=PATIENTS, seed=11)
    return paths


def _chart_with_plan(window: MainWindow) -> ChartView:
    desk = window.ws.desk
    for row in desk.worklist.rows(50, 0):
        tree = desk.plans.plan_tree(row.id)
        if tree is not None and any(p.goals for p in tree.problems):
            window.open_chart(row.id, "")
            chart = window.charts.currentWidget()
            assert isinstance(chart, ChartView)
            _wait_for(chart.loaded)
            return chart
    raise SystemExit("no demo patient with a care plan")


def _chart_with_measures(window: MainWindow) -> ChartView:
    """A demo patient whose goals are linked to measures, with several series and a flag if
    one is found in the first pages of the worklist."""
    desk = window.ws.desk
    best: tuple[int, str] | None = None
    for row in desk.worklist.rows(200, 0):
        view = desk.measures.overview(row.id)
        if len(view.series) < 3 or not view.progress:
            continue
        score = len(view.series) + 3 * len(view.progress) + 2 * bool(view.flags)
        if best is None or score > best[0]:
            best = (score, row.id)
    if best is None:
        raise SystemExit("no demo patient with measures linked to goals")
    window.open_chart(best[1], "")
    chart = window.charts.currentWidget()
    assert isinstance(chart, ChartView)
    _wait_for(chart.loaded)
    return chart


def _measures(window: MainWindow, out: Path) -> None:
    chart = _chart_with_measures(window)
    tab = chart.show_tab("measures")
    assert isinstance(tab, MeasuresTab)
    if tab.view is None:
        _wait_for(tab.shown)
    _save(window, out, "measures.png")


def _registry(window: MainWindow, out: Path) -> None:
    window.show_page("registry")
    page = window.pages["registry"]
    assert isinstance(page, RegistryPage)
    page.registry.setCurrentIndex(page.registry.findData("depression"))
    _wait_for(page.model.page_loaded)
    _save(window, out, "registry.png")


def main(argv: list[str] | None = None) -> int:
    """Make the screenshots in the folder named on the command line."""
    args = sys.argv[1:] if argv is None else argv
    only = set(args[1:])
    out = Path(args[0] if args else "docs/screenshots").resolve()
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    load_style(app)
    with tempfile.TemporaryDirectory() as tmp:
        paths = _prepare(Path(tmp) / "data")
        controller = App(paths)
        controller.start()
        dialog = controller.dialog
        assert isinstance(dialog, UnlockDialog)
        dialog.login.setText(LOGIN)
        dialog.password.setText(PASSWORD)
        dialog.submit()
        window = _wait_for(controller.ready)[0]
        assert isinstance(window, MainWindow)
        window.resize(1400, 860)
        if only:
            window.resize(1366, 768)
            if "measures" in only:
                _measures(window, out)
            if "registry" in only:
                _registry(window, out)
            controller.shutdown()
            return 0
        window.show_page("today")
        today = window.pages["today"]
        assert isinstance(today, TodayPage)
        today.filters["who"].setCurrentIndex(today.filters["who"].findData("all"))
        _save(window, out, "worklist.png")
        chart = _chart_with_plan(window)
        chart.show_tab("plan")
        _save(window, out, "chart-care-plan.png")
        screeners = chart.bring_forward(ScreenersTab)
        form = screeners.select("phq9")
        for number, answer in zip(range(1, 8), (2, 1, 2, 1, 1, 0, 2), strict=True):
            form.answer(f"phq9_{number}", answer)
        _save(window, out, "screener-phq9.png")
        window.show_page("reports")
        _save(window, out, "dashboard.png")
        window.show_page("reminders")
        _save(window, out, "reminders.png")
        _measures(window, out)
        _registry(window, out)
        controller.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
