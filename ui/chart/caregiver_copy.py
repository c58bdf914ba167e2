"""Send a caregiver their copy of the patient's handout (issue 20): choose the caregiver, then
e-mail it (through the outbox) or print or save it.

The copy names conditions and medicines, so the core refuses it, naming why, unless the
patient agreed this caregiver gets messages and they may be told everything; e-mail needs
their own consent too (``careDesk/schedule/caregivers.py``). Each copy is audited on the
patient's record. The PDF is never written to a temporary file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from careDesk.schedule import caregivers
from careDesk.security.roles import Permission
from ui.chart.pdf_dialog import PdfDialog
from ui.workspace import Workspace

WAYS = {"email": "E-mail", "print": "Print or save as PDF"}


class CaregiverCopyDialog(PdfDialog):
    """Caregiver, then E-mail, Print… or Save as PDF…; the reason shown when refused."""

    def __init__(self, ws: Workspace, patient_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.patient_id = patient_id
        self.ways: dict[str, str | None] = {}
        self.members: list[Any] = []
        self.setWindowTitle("Send a caregiver their copy of the handout")
        self.member = QComboBox()
        self.member.setAccessibleName("Caregiver")
        self.member.currentIndexChanged.connect(self._member_chosen)
        self.email_button = QPushButton("E-mail the copy")
        self.email_button.clicked.connect(self.send_email)
        self.email_button.setVisible(ws.can(Permission.MESSAGE))  # the core checks again
        self.print_button = QPushButton("Print…")
        self.print_button.clicked.connect(self.print_now)
        self.save_button = QPushButton("Save as PDF…")
        self.save_button.clicked.connect(self.pick_file)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        form = QFormLayout()
        form.addRow("Caregiver:", self.member)
        buttons = QHBoxLayout()
        for button in (self.email_button, self.print_button, self.save_button, close):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self._enable()
        patients = ws.desk.patients
        ws.run(lambda: patients.family(patient_id), self._family, self._failed)

    def _family(self, members: list[Any]) -> None:
        self.members = [m for m in members if m.caregiver or m.legal_representative]
        self.member.clear()
        for m in self.members:
            self.member.addItem(f"{m.name} ({m.relationship})", m.id)
        if not self.members:
            self.message.setText("No caregiver or legal representative is on the patient's record.")

    def choose(self, member_id: str) -> None:
        """Pick a caregiver by id (tests and callers that know whom)."""
        self.member.setCurrentIndex(self.member.findData(member_id))

    def _member_chosen(self, _index: int) -> None:
        member = next((m for m in self.members if m.id == self.member.currentData()), None)
        self.ways = {}
        self._enable()
        if member is not None:
            desk = self.ws.desk
            self.ws.run(lambda: caregivers.handout_ways(desk, member), self._ways, self._failed)

    def _ways(self, ways: dict[str, str | None]) -> None:
        self.ways = ways
        refused = [f"{WAYS[w]}: {why}." for w, why in ways.items() if why]
        allowed = [WAYS[w].lower() for w, why in ways.items() if not why]
        self.message.setText(
            " ".join(refused) if refused else f"The copy may go by {' or '.join(allowed)}."
        )
        self._enable()

    def _enable(self) -> None:
        self.email_button.setEnabled("email" in self.ways and not self.ways["email"])
        paper = "print" in self.ways and not self.ways["print"]
        self.print_button.setEnabled(paper)
        self.save_button.setEnabled(paper)

    def _member_id(self) -> str:
        return str(self.member.currentData())

    def send_email(self) -> None:
        """Queue the copy for e-mail; the outbox sends it with its other messages."""
        desk, mid = self.ws.desk, self._member_id()
        self.ws.run(lambda: caregivers.email_handout_copy(desk, mid), self._queued, self._failed)

    def _queued(self, row: Any) -> None:
        self.message.setText(
            f"The copy is in the outbox ({row.state}): it goes with the next send."
        )

    save_title = "Save the caregiver's copy"
    file_name = "caregiver-handout.pdf"

    def make_pdf(self, then: Callable[[bytes], None]) -> None:
        desk, mid = self.ws.desk, self._member_id()
        self.message.setText("Preparing the copy…")
        self.ws.run(lambda: caregivers.printed_handout_copy(desk, mid), then, self._failed)
