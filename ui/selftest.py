"""The desktop half of ``caredesk --self-test`` (the headless half is :mod:`careDesk.selftest`).

Adds two checks to the core's: the platform plugin a real desktop needs is in this build (xcb on
Linux, windows, cocoa on macOS), and the main window opens offscreen for the self-test's own
signed-in desk, loads its pages on the database thread, and closes.
"""

from __future__ import annotations

import os
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


def check_main_window(desk: Desk) -> str:
    """Open the main window offscreen, wait for its pages to load, close it."""
    from PySide6.QtCore import QDeadlineTimer, QEventLoop
    from PySide6.QtWidgets import QApplication

    from ui.main_window import MainWindow
    from ui.worker import DbWorker
    from ui.workspace import Workspace

    app = QApplication.instance() or QApplication(sys.argv[:1])
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
    return f"opened offscreen with {pages} pages and closed"


def main() -> int:
    """Run the whole self-test, drawing offscreen; the exit status of ``--self-test``."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    return run_self_test(
        [("platform plugin", check_platform_plugin), ("main window", check_main_window)]
    )
