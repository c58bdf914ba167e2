"""Reply keywords: what a one-word answer to a clinic message asks for.

The whole reply is the keyword (case-insensitive, surrounding spaces and a final full stop or
exclamation mark ignored): "stop" and " Stop. " stop messages, "please stop texting me" is read
by a person. E-mail replies count their own new text only (the quoted message and a signature
are cut off first, :func:`new_text`).

- Opt-out: STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT (the words US carriers require a sender
  to honour: CTIA Messaging Principles and Best Practices), plus REVOKE and OPT OUT, which the
  FCC names as ways to revoke consent (FCC Report and Order 24-24, 2024), and PARAR, ALTO and
  BAJA for Spanish speakers (careDesk's own: a stop too many is safer than one missed).
- Opt back in: START, UNSTOP. Help: HELP (answered with the clinic's name and phone).
- To an appointment reminder: C or 1 confirms, R or 2 asks for a call to change the time.
"""

from __future__ import annotations

import re
from enum import StrEnum


class Keyword(StrEnum):
    STOP = "stop"
    START = "start"
    HELP = "help"
    CONFIRM = "confirm"
    RESCHEDULE = "reschedule"


WORDS: dict[str, Keyword] = {
    **dict.fromkeys(
        (
            *("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"),
            *("REVOKE", "OPT OUT", "OPTOUT", "PARAR", "ALTO", "BAJA"),
        ),
        Keyword.STOP,
    ),
    **dict.fromkeys(("START", "UNSTOP"), Keyword.START),
    **dict.fromkeys(("HELP", "AYUDA"), Keyword.HELP),
    **dict.fromkeys(("C", "1"), Keyword.CONFIRM),
    **dict.fromkeys(("R", "2"), Keyword.RESCHEDULE),
}

# Where the new text of an e-mail reply ends: the quoted original or the signature.
_CUT = re.compile(
    r"^(>|-- ?$|_{5,}|-{5,} ?Original Message|On .+wrote:$|El .+escribi[oó]:$|Le .+a écrit ?:$"
    r"|From: |De: |Sent from my |Enviado desde mi )",
    re.IGNORECASE,
)

_ATTRIBUTION = re.compile(r"^(On|El|Le) .*(wrote|escribi[oó]|a écrit)", re.IGNORECASE | re.DOTALL)


def keyword(text: str) -> Keyword | None:
    """The keyword the whole of ``text`` is, or None."""
    word = " ".join(text.split()).upper().rstrip(".!").strip()
    return WORDS.get(word)


def new_text(body: str) -> str:
    """The reply's own text: everything before the quoted message or the signature."""
    kept: list[str] = []
    for line in body.splitlines():
        if _CUT.match(line.strip()):
            break
        kept.append(line)
    text = "\n".join(kept).strip()
    # A mail program's "On <date>, <sender> wrote:" wrapped over two lines: its last paragraph.
    head, _, last = text.rpartition("\n\n")
    if head and _ATTRIBUTION.match(last):
        text = head.strip()
    return text
