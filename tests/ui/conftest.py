"""UI fixtures: the app controller on a real encrypted vault, a workspace on the admin's desk."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from careDesk.care.demo import generate_demo
from careDesk.desk import Desk
from careDesk.paths import VaultPaths
from ui.app import App, load_style
from ui.chart.view import ChartView
from ui.main_window import MainWindow
from ui.screen import fit_window, use_geometry
from ui.worker import DbWorker
from ui.workspace import Workspace


@pytest.fixture
def worker(qtbot: QtBot) -> Iterator[DbWorker]:
    """The one database thread, stopped after the test."""
    db = DbWorker()
    yield db
    db.stop()


@pytest.fixture
def ws(desk: Desk, worker: DbWorker) -> Workspace:
    """A workspace over the admin's desk on a fresh encrypted vault."""
    return Workspace(desk, worker)


@pytest.fixture
def make_app(qtbot: QtBot, vault_paths: VaultPaths, fast_kdf: None) -> Iterator[Callable[..., App]]:
    """Build the app controller (first run or sign-in); shut down after the test."""
    apps: list[App] = []

    def build(idle_ms: int | None = None) -> App:
        app = App(vault_paths, idle_ms=idle_ms)
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.shutdown()


# Opening a chart appends its ``chart.open`` audit event in a durable commit before the chart
# shows: on the shared CI machine that flush has taken over pytest-qt's default 5 s (a busy
# disk, not the app's speed, which benchmarks/bench_ui.py measures against its budget).
CHART_OPENS_WITHIN_MS = 20_000


def chart_view(qtbot: QtBot, ws: Workspace, patient_id: str) -> ChartView:
    """A patient's chart shown and loaded (its open audited)."""
    view = ChartView(ws, patient_id)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.loaded, timeout=CHART_OPENS_WITHIN_MS):
        view.show()
    return view


def wait_idle(qtbot: QtBot, worker: DbWorker) -> None:
    """Wait until every queued database op has finished and its callback ran."""
    qtbot.waitUntil(lambda: not worker.busy, timeout=10_000)


def add_patient(desk: Desk, given: str, family: str, mrn: str, **extra: object) -> str:
    """Register a patient through the core and return the id."""
    fields: dict[str, object] = {
        "given_name": given,
        "family_name": family,
        "mrn": mrn,
        "birth_date": "1950-03-02",
    }
    fields.update(extra)
    return str(desk.patients.create(**fields).value.id)


#: Clinic laptops: the screen sizes the layout tests run at (tests/ui/laptop.py explains how).
LAPTOP_SCREENS = {"1366x768": (1366, 768), "1280x720": (1280, 720)}
TASK_BAR = 40


@pytest.fixture(params=list(LAPTOP_SCREENS))
def area(request: pytest.FixtureRequest, qapp: QApplication) -> Iterator[QRect]:
    """A laptop's available area (the screen less a task bar), with the app's style sheet."""
    width, height = LAPTOP_SCREENS[request.param]
    rect = QRect(0, 0, width, height - TASK_BAR)
    use_geometry(rect)
    load_style(qapp)
    yield rect
    use_geometry(None)
    qapp.setStyleSheet("")


@pytest.fixture
def demo(desk: Desk) -> Desk:
    """The admin's desk with a demo clinic of 60 patients."""
    generate_demo(desk, patients=60, seed=11)
    return desk


@pytest.fixture
def laptop(qtbot: QtBot, ws: Workspace, demo: Desk, area: QRect) -> MainWindow:
    """The main window on the demo clinic, as big as the laptop's screen allows."""
    win = MainWindow(ws)
    qtbot.addWidget(win)
    win.resize(area.size())
    win.show()
    qtbot.waitExposed(win)
    fit_window(win)  # the frame (title bar, borders) must fit too
    wait_idle(qtbot, ws.worker)
    return win
