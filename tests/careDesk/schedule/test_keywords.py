"""Reply keywords: the whole message, any case, spaces trimmed.

Opt-out words: CTIA Messaging Principles and Best Practices (STOP, STOPALL, UNSUBSCRIBE, CANCEL,
END, QUIT; START/UNSTOP to opt back in; HELP); FCC Report and Order 24-24 (2024) adds REVOKE and
OPT OUT as ways to revoke consent.
"""

from __future__ import annotations

import pytest

from careDesk.schedule.keywords import Keyword, keyword, new_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        *[(w, Keyword.STOP) for w in ("STOP", "stopall", "Unsubscribe", "cancel", "END", "quit")],
        *[(w, Keyword.STOP) for w in ("revoke", "opt out", "Opt  Out", " stop ", "STOP.", "Stop!")],
        ("START", Keyword.START),
        ("unstop", Keyword.START),
        ("Help", Keyword.HELP),
        ("c", Keyword.CONFIRM),
        ("1", Keyword.CONFIRM),
        (" R\n", Keyword.RESCHEDULE),
        ("2", Keyword.RESCHEDULE),
    ],
)
def test_a_whole_message_keyword_is_recognised(text: str, expected: Keyword) -> None:
    assert keyword(text) == expected


@pytest.mark.parametrize(
    "text",
    ["please stop texting me", "STOP IT", "stopp", "C R", "12", "confirm", "", "start now", "ok"],
)
def test_anything_else_is_for_a_person_to_read(text: str) -> None:
    assert keyword(text) is None


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("STOP\n\n> Hello Rosa", "STOP"),
        ("C\n\nOn Wed, Nov 25, 2026 at 9:00 AM Clinic <care@x.org> wrote:\n> Hello", "C"),
        ("C\n\nOn Wed, Nov 25, 2026 at 9:00 AM Clinic <\ncare@x.org> wrote:\n\n> Hi", "C"),
        ("Sí\n\nEl mié, 25 nov 2026 a las 9:00, Clínica escribió:\n> Hola", "Sí"),
        ("stop\n-- \nRosa M.\n555 0101", "stop"),
        ("R\nSent from my iPhone", "R"),
        ("Fine thanks.\n-----Original Message-----\nFrom: clinic", "Fine thanks."),
        ("No quote at all.\nTwo lines.", "No quote at all.\nTwo lines."),
    ],
)
def test_the_new_text_of_an_email_leaves_out_the_quote_and_signature(
    body: str, expected: str
) -> None:
    assert new_text(body) == expected
