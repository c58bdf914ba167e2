"""Reading level measured on the text read back from the printed PDF.

Rules and sources: docs/clinical-sources.md#health-literacy-for-handouts.
"""

from __future__ import annotations

from careDesk.handouts import readability
from tests.careDesk.handouts import pdfcheck
from tests.careDesk.handouts.conftest import Clinic


def test_the_measures_are_real() -> None:
    easy = "The cat sat on the mat. We ran to the park. It was fun."
    hard = (
        "Pharmacological intervention necessitates comprehensive interdisciplinary "
        "consideration of contraindications, particularly regarding nephrotoxicity."
    )
    assert readability.flesch_kincaid_grade(easy) < 2
    assert readability.flesch_kincaid_grade(hard) > 16
    assert readability.fernandez_huerta("El gato come. La casa es roja. Yo voy a la playa.") > 90
    assert (
        readability.fernandez_huerta(
            "La administración farmacológica requiere consideraciones interdisciplinarias "
            "extraordinariamente complejas respecto a contraindicaciones."
        )
        < 30
    )


def test_english_handouts_read_at_grade_6_or_below(clinic: Clinic) -> None:
    grades = {}
    for built in (clinic.maria, clinic.robert, clinic.linh, clinic.sam):
        for large_print in (False, True):
            data = clinic.desk.handouts.patient_handout(built.patient_id, "en", large_print)
            grades[built.mrn, large_print] = readability.flesch_kincaid_grade(
                pdfcheck.all_text(data)
            )
    assert max(grades.values()) <= readability.ENGLISH_MAX_GRADE, grades
    assert min(grades.values()) > 1  # real text, really measured


def test_english_transition_summary_reads_at_grade_6_or_below(clinic: Clinic) -> None:
    data = clinic.desk.handouts.transition_summary(clinic.linh.patient_id, language="en")
    assert readability.flesch_kincaid_grade(pdfcheck.all_text(data)) <= 6


def test_spanish_handouts_are_fairly_easy_or_easier(clinic: Clinic) -> None:
    for built in (clinic.maria, clinic.robert, clinic.linh):
        text = pdfcheck.all_text(clinic.desk.handouts.patient_handout(built.patient_id, "es"))
        assert readability.fernandez_huerta(text) >= readability.SPANISH_MIN_EASE, built.mrn
        assert readability.szigriszt_pazos(text) >= readability.SPANISH_MIN_EASE, built.mrn
