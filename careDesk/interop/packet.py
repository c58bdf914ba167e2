"""The referral packet: a PDF summary for a partner, optionally password-protected (see
docs/architecture.md#interop).

Reason for referral, problems, medicines, allergies, recent results, the care plan and how to
reach the care team. The handouts' TrueType font (shipped inside the package) is embedded, so
accents and Vietnamese diacritics in names print. The patient's FHIR R4 Bundle travels inside the
PDF as an embedded file attachment (``fhir-bundle.json``, ISO 32000-1 §7.11.4), so it is protected
with the rest.

With a password the PDF is encrypted with AES-256 (ISO 32000-2 §7.6.4, security handler
revision 6: /V 5 /R 6), by pypdf over the ``cryptography`` backend, with a random owner
password. reportlab's own encryption (RC4-128, broken since Fluhrer, Mantin and Shamir 2001)
is not used.
"""

from __future__ import annotations

import io
import secrets
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from sqlmodel import Session

from careDesk.interop.packet_content import PacketContent, gather
from careDesk.model.patient import Patient
from careDesk.text import clean_text


def font_names() -> tuple[str, str]:
    """(regular, bold): the handouts' DejaVu Sans, registered once (no silent fallback to a
    font without accents: a name would print as boxes)."""
    from careDesk.handouts.render import FONT, FONT_BOLD, register_fonts

    register_fonts()
    return FONT, FONT_BOLD


def _esc(text: str) -> str:
    # clean_text: a record stored before input was cleaned prints no control characters.
    return escape(clean_text(text))


def _styles() -> dict[str, Any]:
    from reportlab.lib.styles import ParagraphStyle

    regular, bold = font_names()
    return {
        "title": ParagraphStyle("title", fontName=bold, fontSize=16, leading=20, spaceAfter=6),
        "h": ParagraphStyle(
            "h", fontName=bold, fontSize=12, leading=15, spaceBefore=10, spaceAfter=3
        ),
        "p": ParagraphStyle("p", fontName=regular, fontSize=10, leading=13),
        "cell": ParagraphStyle("cell", fontName=regular, fontSize=9, leading=11),
    }


def _table(rows: Sequence[Sequence[str]], header: Sequence[str], styles: dict[str, Any]) -> Any:
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Table, TableStyle

    data = [[Paragraph(f"<b>{_esc(h)}</b>", styles["cell"]) for h in header]]
    data += [[Paragraph(_esc(c), styles["cell"]) for c in row] for row in rows]
    table = Table(data, repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#888888")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef4")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _section(
    story: list[Any], title: str, rows: list[list[str]], header: list[str], styles: dict[str, Any]
) -> None:
    from reportlab.platypus import Paragraph

    story.append(Paragraph(_esc(title), styles["h"]))
    if rows:
        story.append(_table(rows, header, styles))
    else:
        story.append(Paragraph("None recorded.", styles["p"]))


BUNDLE_NAME = "fhir-bundle.json"


def render(content: PacketContent) -> bytes:
    """The (unprotected) PDF bytes for gathered packet content."""
    from reportlab.lib.pagesizes import LETTER
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    styles = _styles()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=LETTER, title="Referral packet", author=content.clinic or "careDesk",
        leftMargin=48, rightMargin=48, topMargin=48, bottomMargin=48,
    )  # fmt: skip
    story: list[Any] = [Paragraph("Referral packet", styles["title"])]
    for line in content.heading:
        story.append(Paragraph(_esc(line), styles["p"]))
    for title, header, rows in content.sections:
        _section(story, title, rows, header, styles)
    doc.build(story)
    return buffer.getvalue()


def seal_packet(pdf: bytes, bundle: bytes, password: str | None) -> bytes:
    """The packet PDF with the FHIR Bundle attached, AES-256 encrypted when there is a
    password (the attachment then too: it is a stream of the encrypted file)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.add_attachment(BUNDLE_NAME, bundle)
    if password:
        writer.encrypt(
            user_password=password, owner_password=secrets.token_hex(16), algorithm="AES-256"
        )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def packet_pdf(
    session: Session,
    patient: Patient,
    bundle: bytes,
    *,
    clinic: str = "",
    password: str | None = None,
) -> bytes:
    """Gather the patient's packet content, render it, attach ``bundle`` and protect it."""
    return seal_packet(render(gather(session, patient, clinic=clinic)), bundle, password)
