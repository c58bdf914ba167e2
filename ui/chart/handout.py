"""Print a patient's handout (Ctrl+P): choose language and large print, then print or save.

The PDF comes from ``desk.handouts`` (reportlab; the print is audited there). It is never
written to a temporary file: it is saved only where the user chooses, or printed through Qt's
print and preview dialogs (pages rasterised in memory, see ``ui.printing``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from careDesk.care.languages import handout_languages, language_name
from ui.chart.caregiver_copy import CaregiverCopyDialog
from ui.chart.pdf_dialog import PdfDialog
from ui.printing import print_pdf
from ui.workspace import Workspace


class HandoutDialog(PdfDialog):
    """Language, large print, then Save PDF… or Print."""

    def __init__(self, ws: Workspace, patient_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.patient_id = patient_id
        self.setWindowTitle("Print the patient's handout")
        self.language = QComboBox()
        self.language.setAccessibleName("Handout language")
        for code, name in handout_languages():  # one per phrase file in the core
            self.language.addItem(name, code)
        self.large = QCheckBox("Large print")
        # "No Chinese handout yet: printing in English" when the patient's language has none.
        self.language_note = QLabel()
        self.language_note.setObjectName("languageNote")
        self.language_note.setWordWrap(True)
        self.language_note.setVisible(False)
        self.save_button = QPushButton("Save as PDF…")
        self.save_button.clicked.connect(self.pick_file)
        self.preview_button = QPushButton("Preview…")
        self.preview_button.clicked.connect(self.preview)
        self.print_button = QPushButton("Print…")
        self.print_button.clicked.connect(self.print_now)
        self.caregiver_button = QPushButton("Send caregiver copy…")
        self.caregiver_button.setToolTip("A copy for a caregiver the patient agreed may be told")
        self.caregiver_button.clicked.connect(self.caregiver_copy)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        caregiver_row = QHBoxLayout()
        caregiver_row.addWidget(self.caregiver_button)
        caregiver_row.addStretch()
        buttons = QHBoxLayout()
        for button in (self.preview_button, self.print_button, self.save_button, close):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.language)
        layout.addWidget(self.language_note)
        layout.addWidget(self.large)
        layout.addWidget(self.message)
        layout.addLayout(caregiver_row)
        layout.addLayout(buttons)
        handouts = ws.desk.handouts
        ws.run(lambda: handouts.choice(patient_id), self._chosen)

    def _chosen(self, choice: Any) -> None:
        self.language.setCurrentIndex(max(self.language.findData(choice.language), 0))
        self.large.setChecked(bool(choice.large_print))
        if choice.unavailable:
            spoken = language_name(choice.unavailable)
            shown = self.language.currentText()
            self.language_note.setText(
                f"No {spoken} handout yet: printing in {shown}. The patient may need an "
                f"interpreter to go through it."
            )
            self.language_note.setVisible(True)

    save_title = "Save the handout"
    file_name = "handout.pdf"

    def make_pdf(self, then: Callable[[bytes], None]) -> None:
        handouts, pid = self.ws.desk.handouts, self.patient_id
        language, large = str(self.language.currentData()), self.large.isChecked()
        self.message.setText("Preparing the handout…")
        self.ws.run(lambda: handouts.patient_handout(pid, language, large), then, self._failed)

    def preview(self) -> None:
        """Qt's print preview of the handout, with its own Print button."""
        self.make_pdf(self._preview_dialog)

    def _preview_dialog(self, data: bytes) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintPreviewDialog(printer, self)
        dialog.paintRequested.connect(lambda target: print_pdf(data, target))
        dialog.exec()

    def caregiver_copy(self) -> CaregiverCopyDialog:
        """Choose a caregiver, then e-mail, print or save their copy."""
        dialog = CaregiverCopyDialog(self.ws, self.patient_id, self)
        dialog.open()
        return dialog
