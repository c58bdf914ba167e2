"""Import records: FHIR R4 bundles (.json/.ndjson) and CSV patient lists, with a report.

Each file is imported on its own, all or nothing (``desk.interop.import_paths``); the report
says per file what was created or updated, and for a rejected file which resource or row and
which field stopped it. Progress shows in the dialog itself (file n of m) with a Cancel button;
cancelling stops before the next file (files already imported stay imported).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from careDesk.errors import CareDeskError
from careDesk.interop.report import ImportReport
from ui.worker import Progress
from ui.workspace import Workspace

FILTER = "Records (*.json *.ndjson *.csv);;FHIR R4 (*.json *.ndjson);;CSV (*.csv)"


class ImportDialog(QDialog):
    """Choose files, import them on the database worker, read the report."""

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.setWindowTitle("Import records")
        self.files: list[Path] = []
        self.reports: list[ImportReport] = []
        self.chosen = QListWidget()
        self.chosen.setAccessibleName("Files to import")
        self.choose = QPushButton("Choose files…")
        self.choose.clicked.connect(self._choose)
        self.report = QPlainTextEdit()
        self.report.setReadOnly(True)
        self.report.setAccessibleName("Import report")
        self.report.setPlaceholderText("The report appears here, one line per file.")
        self.bar = QProgressBar()
        self.bar.setAccessibleName("Import progress")
        self.bar.setVisible(False)
        self.cancel = QPushButton("Cancel import")
        self.cancel.setVisible(False)
        self.progress: Progress | None = None
        self.cancel.clicked.connect(self._cancel)
        self.poll = QTimer(self)
        self.poll.setInterval(100)
        self.poll.timeout.connect(self._show_progress)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.start = buttons.addButton("Import", QDialogButtonBox.ButtonRole.ActionRole)
        self.start.setEnabled(False)
        self.start.clicked.connect(self.run_import)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("FHIR R4 bundles (.json, .ndjson) or CSV patient lists."))
        layout.addWidget(self.choose)
        layout.addWidget(self.chosen)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel)
        layout.addWidget(self.report)
        layout.addWidget(buttons)

    def _choose(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, "Import records", "", FILTER)
        self.set_files([Path(n) for n in names])

    def set_files(self, files: list[Path]) -> None:
        self.files = files
        self.chosen.clear()
        self.chosen.addItems([f.name for f in files])
        self.start.setEnabled(bool(files))

    def run_import(self) -> None:
        """Import the chosen files on the worker; the report fills in when it is done."""
        files, interop = list(self.files), self.ws.desk.interop
        progress = Progress("Importing…")
        self.start.setEnabled(False)
        self.report.setPlainText("Importing…")
        self.progress = progress
        self.bar.setRange(0, len(files))
        self.bar.setValue(0)
        for widget in (self.bar, self.cancel):
            widget.setVisible(True)
        self.poll.start()
        self.ws.run(
            lambda: interop.import_paths(files, progress),
            self._done,
            self._failed,
            progress=progress,  # a lock or sign-out stops the import too, as Cancel does
            dialog=False,  # the dialog shows it
        )

    def _show_progress(self) -> None:
        if self.progress is not None:
            label, done, total = self.progress.snapshot()
            self.bar.setMaximum(max(total, 1))
            self.bar.setValue(done)
            self.bar.setFormat(label or "%v of %m")

    def _cancel(self) -> None:
        if self.progress is not None:
            self.progress.cancel()

    def _finish(self) -> None:
        self.poll.stop()
        self.progress = None
        for widget in (self.bar, self.cancel):
            widget.setVisible(False)
        self.start.setEnabled(bool(self.files))

    def _done(self, reports: list[ImportReport]) -> None:
        self.reports = reports
        rejected = sum(not r.accepted for r in reports)
        # Notes say what a file's records set off or left out (e.g. a PHQ-9 question 9 answer
        # that raised a same-day call, or CSV columns careDesk does not keep).
        lines = [text for r in reports for text in (r.line(), *(f"  {n}" for n in r.notes))]
        lines.append(f"{len(reports) - rejected} file(s) imported, {rejected} rejected.")
        self.report.setPlainText("\n".join(lines))
        self._finish()

    def _failed(self, error: CareDeskError) -> None:
        self.report.setPlainText(error.message)
        self._finish()
