"""Import records: FHIR R4 bundles (.json/.ndjson) and CSV patient lists, with a report.

Each file is imported on its own, all or nothing (``desk.interop.import_paths``); the report
says per file what was created or updated, and for a rejected file which resource or row and
which field stopped it. A long import shows a cancellable progress dialog after half a second;
cancelling stops before the next file (files already imported stay imported).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QListWidget,
    QPlainTextEdit,
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
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.start = buttons.addButton("Import", QDialogButtonBox.ButtonRole.ActionRole)
        self.start.setEnabled(False)
        self.start.clicked.connect(self.run_import)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("FHIR R4 bundles (.json, .ndjson) or CSV patient lists."))
        layout.addWidget(self.choose)
        layout.addWidget(self.chosen)
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

        def step(done: int, total: int, name: str) -> None:
            progress.update(done, total, f"Importing {name}…" if name else "Finishing…")

        self.start.setEnabled(False)
        self.report.setPlainText("Importing…")
        self.ws.run(
            lambda: interop.import_paths(files, step),
            self._done,
            self._failed,
            progress=progress,
            parent=self,
        )

    def _done(self, reports: list[ImportReport]) -> None:
        self.reports = reports
        rejected = sum(not r.accepted for r in reports)
        lines = [r.line() for r in reports]
        lines.append(f"{len(reports) - rejected} file(s) imported, {rejected} rejected.")
        self.report.setPlainText("\n".join(lines))
        self.start.setEnabled(bool(self.files))

    def _failed(self, error: CareDeskError) -> None:
        self.report.setPlainText(error.message)
        self.start.setEnabled(bool(self.files))
