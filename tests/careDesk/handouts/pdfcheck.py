"""Read a PDF back the way a checker would: text per page, drawn font sizes, embedded fonts."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from pypdf import PdfReader


@dataclass
class Page:
    """What one page shows: its text and every (font, size) a glyph was drawn with."""

    text: str
    runs: list[tuple[str, float, str]] = field(default_factory=list)  # font, size, text


def read(data: bytes) -> list[Page]:
    """Every page's extracted text and its text runs with their effective font size."""
    pages = []
    for page in PdfReader(io.BytesIO(data)).pages:
        runs: list[tuple[str, float, str]] = []

        def visit(text: str, cm: Any, tm: Any, font: Any, size: float, runs: Any = runs) -> None:
            if text.strip():
                scale = abs(float(tm[3]) * float(cm[3]))
                runs.append((str(font.get("/BaseFont") if font else ""), size * scale, text))

        text = page.extract_text(visitor_text=visit)
        pages.append(Page(text, runs))
    return pages


def all_text(data: bytes) -> str:
    """The document's text, pages joined."""
    return "\n".join(page.text for page in read(data))


def smallest_size(data: bytes) -> float:
    """The smallest font size any visible text is drawn at."""
    return min(size for page in read(data) for _, size, _ in page.runs)


def fonts(data: bytes) -> dict[str, bool]:
    """Every font the pages reference → whether its TrueType program is embedded (FontFile2)."""
    found: dict[str, bool] = {}
    for page in PdfReader(io.BytesIO(data)).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descriptor = font.get("/FontDescriptor")
            embedded = descriptor is not None and "/FontFile2" in descriptor.get_object()
            found[str(font["/BaseFont"])] = embedded
    return found
