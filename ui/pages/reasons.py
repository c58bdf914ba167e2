"""Today's side panel: why the selected patient is on the worklist, in plain words.

Keyboard: Alt+R (the label's mnemonic) or Tab from the list moves into the panel; the panel is a
read-only text browser, so a screen reader reads it line by line under its accessible name.
"""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtWidgets import QLabel, QTextBrowser, QVBoxLayout, QWidget

from careDesk.care.risk.explain import explain

EMPTY = "Choose a patient in the list to see why they are on it."


def reason_lines(row: Any) -> list[tuple[str, list[str]]]:
    """The panel's sections: (heading, lines) for one worklist row."""
    scores = [e.text() for e in explain(row.scores, row.lace_discharged)]
    due = [("Overdue: " if d.overdue else "") + d.title for d in row.due]
    return [
        ("What the scores mean", scores or ["No scores yet."]),
        ("Why on the list", list(row.reasons) or ["No risk reasons recorded."]),
        ("Due today", due or ["Nothing due today."]),
    ]


class ReasonsPanel(QWidget):
    """The selected patient's reasons, scores explained, and due work."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel("&Reasons")
        self.text = QTextBrowser()
        self.text.setAccessibleName("Reasons for the selected patient")
        self.text.setOpenLinks(False)
        self.label.setBuddy(self.text)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.text)
        self.show_row(None)

    def show_row(self, row: Any) -> None:
        """Show one worklist row's reasons (None: the hint to choose one)."""
        if row is None:
            self.text.setPlainText(EMPTY)
            self.text.setAccessibleDescription(EMPTY)
            return
        parts = [f"<h3>{escape(row.name)}</h3>"]
        plain = [row.name]
        for heading, lines in reason_lines(row):
            items = "".join(f"<li>{escape(line)}</li>" for line in lines)
            parts.append(f"<p><b>{escape(heading)}</b></p><ul>{items}</ul>")
            plain += [heading, *lines]
        self.text.setHtml("".join(parts))
        self.text.setAccessibleName(f"Reasons for {row.name}")
        self.text.setAccessibleDescription("\n".join(plain))

    def plain_text(self) -> str:
        """What the panel says, as text (what a screen reader reads)."""
        return self.text.toPlainText()
