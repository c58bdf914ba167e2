"""The patient handout read back from the PDF: sections, words, print size, fonts, page frame."""

from __future__ import annotations

import io
import re
import struct
import zlib
from pathlib import Path

import pytest
from pypdf import PdfReader

from careDesk.handouts.document import Bullets, HandoutContent, PageFrame, Para, Section
from careDesk.handouts.render import render
from tests.careDesk.handouts import pdfcheck
from tests.careDesk.handouts.conftest import Clinic
from tests.careDesk.handouts.patients import CLINIC, CLINIC_PHONE

FORBIDDEN = ("QD", "BID", "TID", "QID", "PRN", "PO", "HS", "QOD", "AM", "PM", "SOB")
ENGLISH_SECTIONS = (
    "My care plan",
    "My goals",
    "What I do each day",
    "Who to call",
    "My medicines",
    "Only when needed",
    "My appointments",
    "Warning signs",
    "Community help",
    "Teach-back checklist",
)


def test_english_handout_has_every_section_with_the_record_in_plain_words(clinic: Clinic) -> None:
    text = pdfcheck.all_text(clinic.desk.handouts.patient_handout(clinic.maria.patient_id, "en"))
    for heading in ENGLISH_SECTIONS:
        assert heading in text
    assert "Walk after dinner so my sugar stays down." in text  # the patient's own words
    assert "Keep my blood sugar in a healthy range." in text  # goal without patient words
    assert "Check my blood sugar before breakfast. When: every day." in text
    assert "Ana helps with this: Fill weekly pill box. When: every Sunday." in text
    assert "Call patient" not in text  # the coordinator's own task is not the patient's
    assert "Diabetes class" not in text  # done activities are not printed
    assert "My care coordinator is Clinic Admin." in text
    assert f"Call {CLINIC} at {CLINIC_PHONE}." in text
    assert "Metformin: for blood sugar. Take 500 mg each time." in text
    assert "Take it only when needed for pain." in text
    assert "Glipizide" not in text  # stopped medicine
    assert "at 9:30 in the morning" in text  # 9:30 in Chicago, stored in UTC, shown back in it
    assert "we can help you get a ride" in text
    assert "https://visit.example.org/r/4821" in text
    assert "Old visit" not in text
    assert "Diabetes (blood sugar)" in text and "High blood pressure" in text
    assert "Call 911 if:" in text
    assert "Westside Food Bank" in text and "Phone: 555-0190." in text
    assert "Open: Monday to Friday, 9 to 5." in text


@pytest.mark.parametrize("language", ["en", "es", "vi"])
def test_no_abbreviation_or_latin_reaches_the_page(clinic: Clinic, language: str) -> None:
    for built in (clinic.maria, clinic.robert, clinic.linh, clinic.sam):
        text = pdfcheck.all_text(clinic.desk.handouts.patient_handout(built.patient_id, language))
        found = [
            word
            for word in FORBIDDEN
            if re.search(rf"\b{word}\b", text, re.IGNORECASE if len(word) > 2 else 0)
        ]
        assert found == [], (built.mrn, language, found)


def test_empty_sections_are_left_out(clinic: Clinic) -> None:
    text = pdfcheck.all_text(clinic.desk.handouts.patient_handout(clinic.sam.patient_id, "en"))
    assert "My medicines" in text and "Levothyroxine" in text
    for absent in (
        "My goals",
        "What I do each day",
        "My appointments",
        "Warning signs",
        "Community help",
        "Only when needed",
        "Medicines at other times",
    ):
        assert absent not in text
    assert "What is one goal" not in text  # teach-back asks only about what was printed


def test_body_text_is_at_least_12_pt_and_16_pt_in_large_print(clinic: Clinic) -> None:
    handouts = clinic.desk.handouts
    normal = handouts.patient_handout(clinic.maria.patient_id, "en", large_print=False)
    large = handouts.patient_handout(clinic.maria.patient_id, "en", large_print=True)
    assert pdfcheck.smallest_size(normal) == pytest.approx(12.0)
    assert pdfcheck.smallest_size(large) == pytest.approx(16.0)
    assert len(pdfcheck.read(large)) > len(pdfcheck.read(normal))


def test_every_font_is_the_shipped_truetype_and_is_embedded(clinic: Clinic) -> None:
    data = clinic.desk.handouts.patient_handout(clinic.maria.patient_id, "es")
    used = pdfcheck.fonts(data)
    assert used and all(used.values()), used
    assert all("DejaVuSans" in name for name in used)
    drawn = {font for page in pdfcheck.read(data) for font, _, _ in page.runs}
    assert drawn <= set(used)


def test_vietnamese_diacritics_come_back_intact(clinic: Clinic) -> None:
    text = pdfcheck.all_text(clinic.desk.handouts.patient_handout(clinic.linh.patient_id))
    for phrase in (
        "Chăm sóc sức khỏe của tôi",
        "Thuốc của tôi",
        "Buổi sáng",
        "Trước khi",
        "Dấu hiệu cảnh báo",
        "Gọi 911 nếu:",
        "Linh Nguyễn",
        "Trang 1 /",
    ):
        assert phrase in text
    # Missing Vietnamese phrases fall back to English rather than printing nothing.
    assert "You are more short of breath than normal." in text


def test_spanish_handout_is_complete_in_spanish(clinic: Clinic) -> None:
    text = pdfcheck.all_text(clinic.desk.handouts.patient_handout(clinic.maria.patient_id))
    for heading in (
        "Mi plan de cuidado",
        "Mis metas",
        "Mis medicinas",
        "Solo cuando las necesito",
        "Mis citas",
        "Señales de alerta",
        "Ayuda en mi comunidad",
        "Lista para repasar",
        "a las 9:30 de la mañana",
        "Llame al 911 si:",
        "Página 1 de",
        "Noche",  # the evening dose time is "noche" everywhere (issue 15)
    ):
        assert heading in text
    for english in ("My care plan", "Call the clinic", "Page 1", "each time", "Tarde"):
        assert english not in text


def test_clinic_patient_date_and_page_numbers_on_every_page(clinic: Clinic) -> None:
    pages = pdfcheck.read(
        clinic.desk.handouts.patient_handout(clinic.robert.patient_id, "en", large_print=True)
    )
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert CLINIC in page.text
        assert f"Phone: {CLINIC_PHONE}" in page.text
        assert "For: Robert Miller" in page.text
        assert "Date: " in page.text
        assert f"Page {number} of {len(pages)}" in page.text


def _png(width: int, height: int) -> bytes:
    """A small grey PNG written with the standard library."""
    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def test_logo_is_drawn_on_every_page_when_the_setting_points_to_one(
    clinic: Clinic, tmp_path: Path
) -> None:
    logo = tmp_path / "logo.png"
    logo.write_bytes(_png(80, 40))
    clinic.desk.settings.set("clinic.logo", str(logo))
    data = clinic.desk.handouts.patient_handout(clinic.robert.patient_id, "en", large_print=True)
    pages = PdfReader(io.BytesIO(data)).pages
    assert len(pages) >= 2
    assert all(len(page.images) == 1 for page in pages)


def test_batch_numbers_pages_per_patient() -> None:
    def doc(name: str, lines: int) -> HandoutContent:
        frame = PageFrame(
            "Clinic", "Phone: 1", f"For: {name}", "Date: today", "Page {page} of {pages}"
        )
        items = tuple(f"Line {i} for {name}." for i in range(lines))
        return HandoutContent(
            "patient_handout",
            "Title",
            "en",
            frame,
            (Section("s", "S", (Para("x"), Bullets(items))),),
        )

    pages = pdfcheck.read(render([doc("Ann", 60), doc("Bo", 5)]))
    ann = [p.text for p in pages if "For: Ann" in p.text]
    bo = [p.text for p in pages if "For: Bo" in p.text]
    assert len(ann) >= 2 and len(ann) + len(bo) == len(pages)
    for number, text in enumerate(ann, start=1):
        assert f"Page {number} of {len(ann)}" in text
    assert bo == [t for t in bo if "Page 1 of 1" in t] and len(bo) == 1
