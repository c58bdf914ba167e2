"""The Qt binding must not take references it never gives back.

PySide6 6.12.0 on Python 3.11 (where None, True and False are not yet immortal) took one
reference from None on every call of a method returning nothing (``setEnabled``,
``QSettings.setValue``…) and one from True on every ``Signal(bool)`` emitted with True. A long
session then ended in "Fatal Python error: deallocating None" (seen here at interpreter exit
after the first-run tests). pyproject.toml pins 6.11.3; this test keeps watch on upgrades.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray, QObject, Signal
from PySide6.QtWidgets import QCheckBox, QPushButton
from pytestqt.qtbot import QtBot

from ui.prefs import Prefs

ROUNDS = 300


class _Flags(QObject):
    changed = Signal(bool)


def _refs() -> tuple[int, int, int]:
    gc.collect()
    return sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False)


def _calls(qtbot: QtBot, tmp_path: Path) -> dict[str, Callable[[], object]]:
    box, button, flags = QCheckBox(), QPushButton("Save"), _Flags()
    qtbot.addWidget(box)
    qtbot.addWidget(button)
    button.clicked.connect(lambda *_: None)
    flags.changed.connect(lambda _: None)
    prefs = Prefs(tmp_path, "anna")
    calls: dict[str, Callable[[], object]] = {
        "setChecked": lambda: box.setChecked(True),
        "setEnabled": lambda: button.setEnabled(True),
        "click": button.click,
        "Signal(bool).emit": lambda: flags.changed.emit(True),
        "Prefs.set": lambda: prefs.set("window/state", QByteArray(b"state")),
    }
    calls["_keep"] = lambda: (box, button, flags)  # alive until the test ends
    return calls


@pytest.mark.parametrize(
    "name", ["setChecked", "setEnabled", "click", "Signal(bool).emit", "Prefs.set"]
)
def test_a_call_leaves_none_true_and_false_as_they_were(
    qtbot: QtBot, tmp_path: Path, name: str
) -> None:
    call = _calls(qtbot, tmp_path)[name]
    call()  # warm up caches
    before = _refs()
    for _ in range(ROUNDS):
        call()
    after = _refs()
    lost = [b - a for b, a in zip(before, after, strict=True)]
    assert max(lost) < ROUNDS // 2, f"{name} lost references (None, True, False): {lost}"
