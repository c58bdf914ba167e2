"""Transition: discharge or hand the patient over, with a reason and a summary.

The core closes open follow-ups and completes the active plan in the same transaction.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from careDesk.care.transitions import REASON_WORDS
from careDesk.changes import Kind, kinds
from ui.chart.base import ChartTab
from ui.dialogs import Field, FormDialog
from ui.workspace import Workspace

OUTCOMES = (("discharge", "Discharge from the program"), ("transition", "Transition to other care"))


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
        layout = QVBoxLayout(self)
        for widget in (self.history, self.button, self.done):
            layout.addWidget(widget)
        layout.addStretch()

    def load(self) -> None:
        transitions, pid = self.ws.desk.transitions, self.patient_id
        self.ws.run(lambda: transitions.for_patient(pid), self._show)

    def _show(self, rows: list[Any]) -> None:
        lines = [
            f"{r.on_date:%Y-%m-%d}: {r.outcome} ({REASON_WORDS.get(r.reason, r.reason)})"
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
