"""Showing problems: plain messages for expected errors, a crash dialog for bugs.

The crash dialog and the log never contain patient data: the report holds the exception type
and the stack's file/line/function names only (:func:`careDesk.logs.log_unexpected`).
"""

from __future__ import annotations

import sys
from types import TracebackType

from PySide6.QtWidgets import QMessageBox, QWidget

from careDesk.logs import log_unexpected

# Message boxes without a parent would be garbage-collected at once: keep them until closed.
_OPEN: set[QMessageBox] = set()


def _keep(box: QMessageBox) -> QMessageBox:
    _OPEN.add(box)
    box.finished.connect(lambda _result: _OPEN.discard(box))
    box.open()
    return box


def show_message(parent: QWidget | None, message: str, *, title: str = "careDesk") -> QMessageBox:
    """A plain message the user can act on (expected errors)."""
    box = QMessageBox(
        QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, parent
    )
    box.setAccessibleName("Message")
    return _keep(box)


def show_crash(parent: QWidget | None, exc: BaseException) -> QMessageBox:
    """Log a scrubbed report and tell the user, without any of the error's text."""
    try:
        where = str(log_unexpected(exc))
    except OSError:
        where = "(the report could not be written)"
    box = QMessageBox(
        QMessageBox.Icon.Critical,
        "careDesk: something went wrong",
        "careDesk hit an unexpected problem and did not finish that action.\n"
        "Your saved work is safe. A report without patient data was written to:\n"
        f"{where}\nPlease tell your clinic admin.",
        QMessageBox.StandardButton.Ok,
        parent,
    )
    box.setObjectName("crashDialog")
    box.setAccessibleName("Unexpected problem")
    return _keep(box)


def install_excepthook() -> None:
    """Route exceptions escaping Qt slots to the crash dialog instead of a silent stderr trace."""

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        show_crash(None, exc)

    sys.excepthook = hook
