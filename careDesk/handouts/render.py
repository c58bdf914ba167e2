"""Render :class:`HandoutContent` to PDF with reportlab platypus.

Print rules (docs/clinical-sources.md#health-literacy-for-handouts; CMS 12 pt for Medicare):
every piece of text is at least 12 pt, at least 16 pt with large print; clear headings; wide
spacing. The TrueType font ships in ``careDesk/resources/fonts`` and is embedded (subset), so
accents and Vietnamese diacritics print anywhere. Every page carries the clinic's name, phone and
logo, whose document it is, the date and "Page n of m" (numbered per document, also inside a
batch).

PDFs are built in memory; :func:`write_pdf` writes only where the user asked, atomically.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as pdfcanvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Table,
    TableStyle,
)
from reportlab.platypus import Spacer as GapFlowable

from careDesk.handouts.document import (
    Block,
    Bullets,
    Grid,
    HandoutContent,
    PageFrame,
    Para,
    Subheading,
)
from careDesk.handouts.phrases import RESOURCES
from careDesk.text import clean_text

FONT = "CareDeskSans"
FONT_BOLD = "CareDeskSans-Bold"
FONT_FILES = {FONT: "DejaVuSans.ttf", FONT_BOLD: "DejaVuSans-Bold.ttf"}
BODY_PT = 12.0
LARGE_BODY_PT = 16.0
MARGIN = 0.65 * inch
INK = colors.HexColor("#1a1a1a")
RULE = colors.HexColor("#555555")
SHADE = colors.HexColor("#e8eef4")


@cache
def register_fonts() -> None:
    """Register the shipped TrueType family with reportlab (once per process)."""
    for name, file in FONT_FILES.items():
        # Read through importlib.resources (bytes, not a path): works from any installed layout.
        data = RESOURCES.joinpath("fonts", file).read_bytes()
        pdfmetrics.registerFont(TTFont(name, io.BytesIO(data)))
    pdfmetrics.registerFontFamily(
        FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD
    )


@dataclass(frozen=True)
class Styles:
    """Paragraph styles for one body size (12 pt, or 16 pt for large print)."""

    body: ParagraphStyle
    bold: ParagraphStyle
    bullet: ParagraphStyle
    title: ParagraphStyle
    heading: ParagraphStyle
    subheading: ParagraphStyle
    cell: ParagraphStyle
    cell_head: ParagraphStyle
    size: float


@cache
def styles(large_print: bool) -> Styles:
    """The styles for normal or large print (headings always larger than body text)."""
    size = LARGE_BODY_PT if large_print else BODY_PT
    lead = size * 1.4
    body = ParagraphStyle(
        "body", fontName=FONT, fontSize=size, leading=lead, textColor=INK, spaceAfter=size * 0.5
    )
    bold = ParagraphStyle("bold", parent=body, fontName=FONT_BOLD)
    indent = size * 1.6
    bullet = ParagraphStyle(
        "bullet",
        parent=body,
        leftIndent=indent,
        bulletIndent=size * 0.3,
        bulletFontName=FONT,
        bulletFontSize=size,
        spaceAfter=size * 0.35,
    )
    title = ParagraphStyle(
        "title",
        parent=body,
        fontName=FONT_BOLD,
        fontSize=size * 1.75,
        leading=size * 2.2,
        spaceAfter=size * 0.6,
    )
    heading = ParagraphStyle(
        "heading",
        parent=body,
        fontName=FONT_BOLD,
        fontSize=size * 1.4,
        leading=size * 1.8,
        spaceBefore=size * 1.1,
        spaceAfter=size * 0.5,
    )
    sub = ParagraphStyle(
        "subheading",
        parent=body,
        fontName=FONT_BOLD,
        fontSize=size * 1.1,
        leading=size * 1.5,
        spaceBefore=size * 0.5,
        spaceAfter=size * 0.3,
    )
    cell = ParagraphStyle("cell", parent=body, spaceAfter=0, leading=size * 1.25)
    cell_head = ParagraphStyle("cell_head", parent=cell, fontName=FONT_BOLD)
    return Styles(body, bold, bullet, title, heading, sub, cell, cell_head, size)


def _p(text: str, style: ParagraphStyle, **kwargs: Any) -> Paragraph:
    # clean_text: a record stored before input was cleaned prints no control characters.
    return Paragraph(escape(clean_text(text)), style, **kwargs)


class _StartDocument(Flowable):  # type: ignore[misc]
    """Invisible marker: from here on, pages belong to this document (its frame and count)."""

    def __init__(self, frame: PageFrame, large_print: bool) -> None:
        super().__init__()
        self.frame = frame
        self.large_print = large_print

    def wrap(self, *args: float) -> tuple[float, float]:
        return (0.0, 0.0)

    def draw(self) -> None:
        canv = self.canv
        canv.handout_frame = (self.frame, self.large_print)
        canv.handout_group = getattr(canv, "handout_group", 0) + 1


def _grid(grid: Grid, st: Styles, width: float) -> Table:
    first = width * 0.31
    rest = (width - first) / max(1, len(grid.header) - 1)
    data = [[_p(h, st.cell_head) for h in grid.header]]
    data += [
        [_p(c, st.cell_head if i == 0 else st.cell) for i, c in enumerate(r)] for r in grid.rows
    ]
    table = Table(data, colWidths=[first] + [rest] * (len(grid.header) - 1), repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                # Cells hold paragraphs, but the table still selects its own cell font.
                ("FONT", (0, 0), (-1, -1), FONT, st.size),
                ("GRID", (0, 0), (-1, -1), 0.75, RULE),
                ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 0), (-1, -1), st.size * 0.4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), st.size * 0.5),
            ]
        )
    )
    return table


def _block(block: Block, st: Styles, width: float) -> list[Flowable]:
    # Headings never end a page: a conditional page break keeps room for what follows (cheaper
    # than keepWithNext, which wraps every paragraph twice).
    if isinstance(block, Para) and block.bold:
        return [CondPageBreak(st.size * 4.5), _p(block.text, st.bold)]
    if isinstance(block, Para):
        return [_p(block.text, st.body)]
    if isinstance(block, Subheading):
        return [CondPageBreak(st.size * 9), _p(block.text, st.subheading)]
    if isinstance(block, Bullets):
        marks = [
            f"{n}." if block.numbered else "☐" if block.checkbox else "•"
            for n in range(1, len(block.items) + 1)
        ]
        return [
            _p(item, st.bullet, bulletText=mark)
            for item, mark in zip(block.items, marks, strict=True)
        ]
    if isinstance(block, Grid):
        return [_grid(block, st, width), GapFlowable(1, st.size * 0.8)]
    return [GapFlowable(1, st.size * 0.6)]


def story(content: HandoutContent, width: float) -> list[Flowable]:
    """The flowables of one document, starting with its page-frame marker."""
    st = styles(content.large_print)
    flow: list[Flowable] = [
        _StartDocument(content.frame, content.large_print),
        _p(content.title, st.title),
    ]
    for section in content.sections:
        if section.heading:
            flow += [CondPageBreak(st.size * 9), _p(section.heading, st.heading)]
        for block in section.blocks:
            flow.extend(_block(block, st, width))
    return flow


@cache
def _logo_reader(path: Path) -> Any:
    from reportlab.lib.utils import ImageReader

    return ImageReader(str(path))


class _FramedCanvas(pdfcanvas.Canvas):  # type: ignore[misc]
    """Draws each page's header and footer at save time, when page counts are known."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # Override Canvas.showPage: keep the page until save
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:  # Override Canvas.save: draw frames with "Page n of m"
        totals = Counter(page.get("handout_group", 0) for page in self._pages)
        seen: Counter[int] = Counter()
        for page in self._pages:
            self.__dict__.update(page)
            group = page.get("handout_group", 0)
            seen[group] += 1
            frame = page.get("handout_frame")
            if frame is not None:
                draw_frame(self, frame[0], frame[1], seen[group], totals[group])
            super().showPage()
        super().save()


def draw_frame(
    canv: pdfcanvas.Canvas, frame: PageFrame, large_print: bool, page: int, pages: int
) -> None:
    """Header (logo, clinic name and phone; person and date) and footer (page n of m)."""
    size = styles(large_print).size
    width, height = LETTER
    top = height - MARGIN
    left = MARGIN
    canv.saveState()
    canv.setFillColor(INK)
    if frame.logo is not None and frame.logo.exists():
        logo_h = size * 2.6
        canv.drawImage(
            _logo_reader(frame.logo),
            left,
            top - logo_h,
            height=logo_h,
            width=logo_h * 2,
            preserveAspectRatio=True,
            anchor="w",
            mask="auto",
        )
        left += logo_h * 2 + size
    canv.setFont(FONT_BOLD, size)
    canv.drawString(left, top - size, frame.clinic_name)
    canv.setFont(FONT, size)
    canv.drawRightString(width - MARGIN, top - size, frame.clinic_line)
    canv.drawString(left, top - size * 2.4, frame.person_line)
    canv.drawRightString(width - MARGIN, top - size * 2.4, frame.date_line)
    canv.setStrokeColor(RULE)
    canv.setLineWidth(0.75)
    rule_y = top - size * 3.1
    canv.line(MARGIN, rule_y, width - MARGIN, rule_y)
    canv.drawCentredString(width / 2, MARGIN * 0.6, frame.page_of.format(page=page, pages=pages))
    canv.restoreState()


def _header_height(documents: Sequence[HandoutContent]) -> float:
    large = any(d.large_print for d in documents)
    return styles(large).size * 4.0


def render(documents: Sequence[HandoutContent], *, title: str = "") -> bytes:
    """One PDF holding ``documents`` in order, each starting on a new page."""
    register_fonts()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + _header_height(documents),
        bottomMargin=MARGIN + BODY_PT * 1.5,
        title=title or (documents[0].title if documents else ""),
        author=documents[0].frame.clinic_name if documents else "",
        creator="careDesk",
        lang=documents[0].language if documents else "en",
        # Start pages in the embedded font, so no unembedded standard font is referenced.
        initialFontName=FONT,
        initialFontSize=BODY_PT,
    )
    flow: list[Flowable] = []
    for number, content in enumerate(documents):
        if number:
            flow.append(PageBreak())
        flow.extend(story(content, doc.width))
    doc.build(flow, canvasmaker=_FramedCanvas)
    return buffer.getvalue()


def write_pdf(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically: a temporary file beside it, then a rename.

    A failure leaves any earlier file at ``path`` untouched and no partial file behind.
    """
    target = Path(path)
    handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return target
