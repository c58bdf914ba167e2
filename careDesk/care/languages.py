"""Languages, each list with one home: the languages a patient may speak (the registry's
``careDesk/care/forms/languages.json``, ISO 639) and the languages a handout can be printed in
(one per phrase file, ``careDesk/handouts/phrases.py``). The client offers these lists; it keeps
none of its own (issue 18)."""

from __future__ import annotations

from careDesk.handouts.phrases import available_languages
from careDesk.model.fields import languages


def patient_languages() -> list[tuple[str, str]]:
    """Every language a patient's record accepts, as (code, English name), by name."""
    return sorted(languages().items(), key=lambda item: (item[1].casefold(), item[0]))


def language_name(code: str | None) -> str:
    """The English name of a language code (``es-MX`` → Spanish); the code itself if unknown."""
    if not code:
        return ""
    base = code.split("-")[0].split("_")[0].lower()
    return languages().get(base, code)


def handout_languages() -> list[tuple[str, str]]:
    """The languages a handout can be printed in, as (code, its own name), English first."""
    named = available_languages()
    return sorted(named.items(), key=lambda item: (item[0] != "en", item[1].casefold()))
