"""Offer demo patients after first run (``careDesk.care.demo``), with delayed progress."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QInputDialog, QWidget

from careDesk.care.demo import generate_demo
from careDesk.errors import CareDeskError
from ui.errors import show_message
from ui.worker import Progress
from ui.workspace import Workspace

DEFAULT_PATIENTS = 200


def offer_demo(ws: Workspace, parent: QWidget) -> QInputDialog:
    """Ask whether to load demo patients (0 = none); loads them on the worker if asked."""
    dialog = QInputDialog(parent)
    dialog.setWindowTitle("Try careDesk with demo patients?")
    dialog.setLabelText(
        "careDesk can fill this new clinic with made-up patients so you can try it out.\n"
        "How many demo patients? (0 for none; you can add real patients either way)\n\n"
        "Joining a clinic that already uses careDesk? Choose 0, then open the Sync page."
    )
    dialog.setInputMode(QInputDialog.InputMode.IntInput)
    dialog.setIntRange(0, 50_000)
    dialog.setIntValue(DEFAULT_PATIENTS)
    dialog.intValueSelected.connect(lambda count: load_demo(ws, count, parent))
    dialog.open()
    return dialog


def load_demo(ws: Workspace, count: int, parent: QWidget | None = None) -> Progress | None:
    """Generate ``count`` demo patients on the worker (cancellable); nothing for 0."""
    if count <= 0:
        return None
    progress = Progress("Creating demo patients…")
    desk = ws.desk

    def generate() -> Any:
        return generate_demo(desk, patients=count, progress=progress)

    def done(summary: Any) -> None:
        show_message(parent, f"Added {summary.patients} demo patients.", title="Demo patients")

    def failed(error: CareDeskError) -> None:
        show_message(parent, error.message)

    ws.run(generate, done, failed, progress=progress, parent=parent)
    return progress
