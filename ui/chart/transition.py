"""Transition: discharge or hand the patient over, with a reason and a summary, and print the
transition summary for the next provider.

The core closes open follow-ups and completes the active plan in the same transaction, and
builds the summary PDF (``careDesk.care.transition_summary``); it is written only where the user
chooses in the save dialog.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QLabel, QPushButton, QVBoxLayout, QWidget

from careDesk.care.transitions import REASON_WORDS
from careDesk.changes import Kind, kinds
from careDesk.errors import CareDeskError
from careDesk.security.roles import Permission
from careDesk.words import say
from ui.chart.base import ChartTab
from ui.dialogs import Field, FormDialog
from ui.errors import show_message
from ui.workspace import Workspace

OUTCOMES = (("discharge", "Discharge from the program"), ("transition", "Transition to other care"))


def _reason(code: str) -> str:
    return REASON_WORDS.get(code) or say(code)


class TransitionTab(ChartTab):
    """Past transitions, and the discharge / transition form."""

    title = "Transition"
    watches = kinds(Kind.TRANSITION)

    def __init__(self, ws: Workspace, patient_id: str, parent: QWidget | None = None) -> None:
        super().__init__(ws, patient_id, parent)
        self.history = QLabel("No transition yet.")
        self.history.setWordWrap(True)
        self.history.setAccessibleName("Transitions")
        self.done = QLabel()
        self.done.setWordWrap(True)
        self.button = QPushButton("Discharge or transition…")
        self.button.setVisible(self.editable)
        self.button.clicked.connect(self.discharge)
        self.print_button = QPushButton("Save summary for the next provider…")
        self.print_button.setToolTip(
            "A PDF with medicines, allergies, problems, results, goals, referrals, follow-ups "
            "and the care team"
        )
        self.print_button.setVisible(ws.can(Permission.EXPORT))
        self.print_button.clicked.connect(lambda: self.save_summary())
        self.saved = QLabel()
        self.saved.setWordWrap(True)
        self.saved.setAccessibleName("Transition summary")
        layout = QVBoxLayout(self)
        for widget in (self.history, self.button, self.done, self.print_button, self.saved):
            layout.addWidget(widget)
        layout.addStretch()

    def load(self) -> None:
        transitions, pid = self.ws.desk.transitions, self.patient_id
        self.ws.run(lambda: transitions.for_patient(pid), self._show)

    def _show(self, rows: list[Any]) -> None:
        lines = [
            f"{r.on_date:%Y-%m-%d}: {say(r.outcome)} ({_reason(r.reason)})"
            f"{' to ' + r.to_provider if r.to_provider else ''}. {r.summary}"
            for r in rows
        ]
        self.history.setText("\n".join(lines) or "No transition yet.")

    def discharge(self) -> FormDialog:
        transitions, pid = self.ws.desk.transitions, self.patient_id
        fields = [
            Field("outcome", "What happens", "choice", OUTCOMES, default="discharge"),
            Field("reason", "Reason", "choice", tuple(REASON_WORDS.items()), default="goals_met"),
            Field(
                "summary", "Summary for the next provider and the patient", "long", required=True
            ),
            Field("to_provider", "Handed over to"),
            Field("on_date", "On", "date", placeholder="YYYY-MM-DD or MM/DD/YYYY (empty = today)"),
        ]

        def act(values: dict[str, Any]) -> Any:
            verb = (
                transitions.transition
                if values.pop("outcome") == "transition"
                else transitions.discharge
            )
            return verb(pid, **values).value

        dialog = FormDialog(
            self.ws, "Discharge or transition", fields, act, self, ok_text="Confirm"
        )
        dialog.saved.connect(self._done)
        dialog.open()
        return dialog

    def _done(self, result: Any) -> None:
        self.done.setText(
            f"Done: {result.follow_ups_cancelled} open follow-up(s) cancelled, "
            f"{result.plans_completed} plan(s) completed."
        )

    def save_summary(self, target: Path | None = None) -> None:
        """Save the transition summary PDF where the user chooses (``target`` skips asking)."""
        if target is None:
            name, _ = QFileDialog.getSaveFileName(
                self, "Save transition summary", "transition-summary.pdf", "PDF (*.pdf)"
            )
            if not name:
                return
            target = Path(name)
        summaries, pid, path = self.ws.desk.summaries, self.patient_id, target
        self.ws.run(
            lambda: summaries.save_transition_summary(pid, path),
            lambda saved: self.saved.setText(f"Saved {saved.name}: hand it to the next provider."),
            self._failed,
        )

    def _failed(self, error: CareDeskError) -> None:
        self.saved.setText(error.message)
        show_message(self, error.message)
