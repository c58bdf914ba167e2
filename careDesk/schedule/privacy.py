"""No diagnosis in a message: a text, e-mail or letter may be read by someone other than the
patient (a shared phone, a family inbox, an envelope window).

Message templates hold no health words (``messages/*.json``), but a message also carries values
typed by staff, such as an appointment's place ("Oncology, 3rd floor"). Before a message is
queued its whole text is checked against a list of revealing words (``sensitive_words.json``)
and against the patient's own condition names; a match holds the message (state ``blocked``) for
a person to reword or to call instead. HIPAA's minimum-necessary standard (45 CFR 164.502(b)) is
the principle; the word list is careDesk's own (hazard log: outreach that leaks a diagnosis).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from importlib import resources

HELD = (
    "held: the text would reveal health information (check the appointment's place or the note);"
    " reword it or call the patient"
)


def _fold(text: str) -> str:
    """Lower case without accents, so "Cáncer" and "cancer" match alike."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@cache
def _word_lists() -> dict[str, list[str]]:
    path = resources.files("careDesk.schedule").joinpath("sensitive_words.json")
    data: dict[str, list[str]] = json.loads(path.read_text(encoding="utf-8"))
    return data


@cache
def _sensitive_words() -> tuple[str, ...]:
    return tuple(_fold(w) for w in _word_lists()["words"])


@cache
def _generic() -> frozenset[str]:
    return frozenset(_word_lists()["generic_condition_words"])


def _condition_words(conditions: Iterable[str]) -> set[str]:
    """Telling words (5+ letters, not generic) of the patient's condition names, SNOMED's
    "(disorder)" tags left out: "Sickle cell anemia" gives sickle and anemia."""
    words: set[str] = set()
    for name in conditions:
        plain = _fold(re.sub(r"\([^)]*\)", " ", name))
        words |= {w for w in re.findall(r"[^\W\d_][\w-]{4,}", plain) if w not in _generic()}
    return words


def reveals_health(text: str, conditions: Iterable[str] = ()) -> bool:
    """Whether ``text`` names a sensitive word (as a word start) or one of ``conditions``."""
    folded = _fold(text)
    for word in _sensitive_words():
        end = r"(?![^\W_])" if len(word) <= 4 else ""  # "sti" must not match "still"
        if re.search(rf"(?<![^\W_]){re.escape(word)}{end}", folded):
            return True
    written = set(re.findall(r"[\w-]+", folded))
    return not written.isdisjoint(_condition_words(conditions))
