"""Printing PDFs through Qt's own print and preview dialogs.

Handouts are rendered by reportlab as PDF bytes. PySide6-Essentials has no PDF viewer, so each
page is rasterised with PDFium (``pypdfium2``) at the printer's resolution and painted on the
``QPrinter``: the user gets the normal print dialog (printer, copies, pages) and a preview, and
no temporary file with patient data is ever written.
"""

from __future__ import annotations

from collections.abc import Iterator

import pypdfium2 as pdfium
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtPrintSupport import QPrinter

MAX_DPI = 300  # enough for 12 pt text; keeps a page image under ~35 MB


def page_images(data: bytes, dpi: int) -> Iterator[QImage]:
    """Each page of the PDF ``data`` as an image at ``dpi``."""
    document = pdfium.PdfDocument(data)
    try:
        for index in range(len(document)):
            page = document[index]
            # RGBX byte order matches QImage's RGBX8888 with no per-pixel conversion.
            bitmap = page.render(scale=min(dpi, MAX_DPI) / 72, rev_byteorder=True, prefer_bgrx=True)
            pixels = bytes(bitmap.buffer)
            image = QImage(
                pixels, bitmap.width, bitmap.height, bitmap.stride, QImage.Format.Format_RGBX8888
            ).copy()  # own the pixels before the buffer goes
            bitmap.close()
            page.close()
            yield image
    finally:
        document.close()


def print_pdf(data: bytes, printer: QPrinter) -> int:
    """Paint every page of ``data`` onto ``printer``; returns the number of pages."""
    painter = QPainter()
    if not painter.begin(printer):
        return 0
    pages = 0
    try:
        for image in page_images(data, printer.resolution()):
            if pages:
                printer.newPage()
            area = painter.viewport()
            scaled = image.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
            painter.drawImage(QRect(area.topLeft(), scaled), image)
            pages += 1
    finally:
        painter.end()
    return pages
