"""A dialog that makes a PDF on the worker, then saves it where the user chooses or prints it.

The handout dialog and the caregiver's copy share this: the PDF is never written to a
temporary file, and what happened (saved, printed, refused, failed) is said in ``message``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QFileDialog, QLabel, QWidget

from careDesk.errors import CareDeskError
from careDesk.handouts.render import write_pdf
from ui.printing import print_pdf


class PdfDialog(QDialog):
    """Subclasses make the PDF in :meth:`make_pdf` and name the file offered by default."""

    save_title = "Save the PDF"
    file_name = "document.pdf"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.message = QLabel()
        self.message.setWordWrap(True)

    def make_pdf(self, then: Callable[[bytes], None]) -> None:
        """Make the PDF on the worker and hand its bytes to ``then``."""
        raise NotImplementedError

    def pick_file(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, self.save_title, self.file_name, "PDF (*.pdf)")
        if name:
            self.save_to(Path(name))

    def save_to(self, path: Path) -> None:
        """Make the PDF and write it to ``path`` (chosen by the user), all or nothing."""
        self.make_pdf(lambda data: self._write(path, data))

    def _write(self, path: Path, data: bytes) -> None:
        try:
            write_pdf(path, data)
        except OSError as exc:
            self.message.setText(f"Could not write {path}: {exc.strerror}.")
            return
        self.message.setText(f"Saved {path.name}.")

    def print_now(self) -> None:
        """Qt's print dialog (printer, copies, pages), then print."""
        self.make_pdf(self._print_dialog)

    def _print_dialog(self, data: bytes) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        if QPrintDialog(printer, self).exec() == QDialog.DialogCode.Accepted:
            self.print_to(printer, data)

    def print_to(self, printer: QPrinter, data: bytes) -> None:
        pages = print_pdf(data, printer)
        self.message.setText(f"Printed {pages} page(s)." if pages else "The printer refused.")

    def _failed(self, error: CareDeskError) -> None:
        self.message.setText(error.message)
