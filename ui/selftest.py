"""The desktop half of ``caredesk --self-test`` (the headless half is :mod:`careDesk.selftest`).

Adds three checks to the core's: the platform plugin a real desktop needs is in this build (xcb on
Linux, windows, cocoa on macOS); where a display exists, that plugin really opens it (in a child
process, since one process draws on one platform); and the main window opens offscreen for the
self-test's own signed-in desk with the style sheet and icon the package carries, loads its pages
on the database thread, and closes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from careDesk.desk import Desk
from careDesk.selftest import run_self_test

#: The platform plugin file each desktop needs (Qt's naming on each system).
PLATFORM_PLUGINS = {"linux": "libqxcb.so", "win32": "qwindows.dll", "darwin": "libqcocoa.dylib"}
WAIT_MS = 30_000


def check_platform_plugin(_desk: Desk) -> str:
    """The desktop platform plugin is in the build (the self-test itself draws offscreen)."""
    from PySide6.QtCore import QLibraryInfo

    folder = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "platforms"
    wanted = PLATFORM_PLUGINS.get(sys.platform)
    if wanted is None:
        return f"no desktop plugin known for {sys.platform}"
    if not (folder / wanted).is_file():
        raise FileNotFoundError(f"{wanted} is missing from {folder}")
    return f"{wanted} present"


def display_command() -> list[str]:
    """How to start this very program with ``--probe-display`` (built app or ``python -m``)."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "--probe-display"]
    return [sys.executable, "-m", "ui.entry", "--probe-display"]


def check_display(_desk: Desk) -> str:
    """Where a display exists, the desktop plugin opens it (Linux: needs the X11 libraries)."""
    display = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    if not sys.platform.startswith("linux") or not display:
        return "no display here: the desktop plugin was not tried"
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    done = subprocess.run(
        display_command(), capture_output=True, text=True, env=env, timeout=60, check=False
    )
    if done.returncode != 0:
        said = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise RuntimeError(f"the desktop could not open display {display}: {said}")
    return f"opened display {display} with {done.stdout.strip()}"


def probe_display() -> int:
    """``caredesk --probe-display``: start Qt on the real platform, print its name, quit."""
    from ui.syslibs import problem

    fix = problem()
    if fix is not None:
        print(fix, file=sys.stderr)
        return 1
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication(sys.argv[:1])
    print(app.platformName())
    return 0


def check_main_window(desk: Desk) -> str:
    """Open the main window offscreen (with the packaged style sheet and icon), wait for its
    pages to load, close it."""
    from PySide6.QtCore import QDeadlineTimer, QEventLoop
    from PySide6.QtWidgets import QApplication

    from ui.app import app_icon, load_style
    from ui.main_window import MainWindow
    from ui.worker import DbWorker
    from ui.workspace import Workspace

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    load_style(app)
    if not app.styleSheet() or app_icon().isNull():
        raise RuntimeError("the style sheet or the icon did not load from the ui package")
    worker = DbWorker()
    problems: list[str] = []
    worker.crashed.connect(lambda exc: problems.append(type(exc).__name__))
    worker.failed.connect(problems.append)
    try:
        ws = Workspace(desk, worker)
        window = MainWindow(ws)
        window.show()
        deadline = QDeadlineTimer(WAIT_MS)
        while (worker.busy or not window.isVisible()) and not deadline.hasExpired():
            app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)
        pages = len(window.pages)
        window.close()
        window.deleteLater()
        ws.deleteLater()
        app.processEvents()
    finally:
        worker.stop()
    if deadline.hasExpired():
        raise TimeoutError(f"the window's pages did not load within {WAIT_MS // 1000} s")
    if problems:
        raise RuntimeError("; ".join(problems))
    return f"opened offscreen with {pages} pages, its style and icon, and closed"


def main() -> int:
    """Run the whole self-test, drawing offscreen; the exit status of ``--self-test``."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    return run_self_test(
        [
            ("platform plugin", check_platform_plugin),
            ("display", check_display),
            ("main window", check_main_window),
        ]
    )
