"""One home for each language list (issue 18)."""

from __future__ import annotations

from careDesk.care.languages import handout_languages, language_name, patient_languages
from careDesk.handouts.phrases import available_languages
from careDesk.model.fields import languages


def test_patient_languages_are_the_registry_list_by_name() -> None:
    offered = patient_languages()
    assert dict(offered) == languages()
    names = [name.casefold() for _code, name in offered]
    assert names == sorted(names)


def test_language_names_read_regional_codes() -> None:
    assert language_name("es-MX") == "Spanish"
    assert language_name("vi") == "Vietnamese"
    assert language_name("so") == "Somali"
    assert language_name("xx") == "xx"
    assert language_name(None) == ""


def test_handout_languages_are_the_phrase_files_english_first() -> None:
    offered = handout_languages()
    assert dict(offered) == available_languages()
    assert offered[0][0] == "en"
