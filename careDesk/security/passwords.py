"""Password strength: long enough, and not guessable by an attacker's usual tricks.

NIST SP 800-63B §5.1.1.2 asks for a minimum length and a check against common and breached
passwords rather than composition rules; we ask for 10 characters, since these passwords guard
a whole clinic's records. Guessability is estimated with zxcvbn (Wheeler 2016, "zxcvbn:
Low-Budget Password Strength Estimation", USENIX Security), which knows common passwords,
names, dictionary words, keyboard walks, dates, l33t substitutions and repeats. We require a
score of at least 3 ("safely unguessable: moderate protection from an offline slow-hash
scenario", < 10^10 guesses is score 2), with the login, the clinic's name and "careDesk" added
to its dictionary, so ``careDesk-123`` or ``Riverside-2024`` at Riverside Clinic count as weak.

The same rule serves the first-run dialog, adding users, changing and resetting passwords
(app, command line and recovery). Messages say why in plain words and never echo the password.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from careDesk.errors import PasswordTooWeak

MIN_LENGTH = 10
MIN_SCORE = 3
APP_NAME = "careDesk"
# zxcvbn refuses longer input; the first 72 characters decide (a longer password only adds).
_ZXCVBN_MAX = 72


def _user_inputs(login: str, clinic: str) -> list[str]:
    words = [APP_NAME, login, clinic]
    # Each part of a login or clinic name too ("nurse.kim", "Riverside Family Clinic").
    words += [w for text in (login, clinic) for w in re.split(r"[\W_]+", text) if len(w) >= 3]
    return [w.lower() for w in words if w]


def check_password(password: str, login: str = "", clinic: str = "") -> None:
    """Raise :class:`PasswordTooWeak` with the reason if ``password`` is too weak.

    ``login`` and ``clinic`` (the clinic's name) count as words an attacker would try first.
    """
    if len(password) < MIN_LENGTH:
        raise PasswordTooWeak(f"use at least {MIN_LENGTH} characters")
    lowered = password.lower()
    if len(login) >= 3 and login.lower() in lowered:
        raise PasswordTooWeak("do not use your user name in your password")
    from zxcvbn import zxcvbn  # its word lists load in ~0.1 s: only when a password is set

    result = zxcvbn(password[:_ZXCVBN_MAX], user_inputs=_user_inputs(login, clinic))
    if int(result["score"]) >= MIN_SCORE:
        return
    raise PasswordTooWeak(_explain(result, lowered, _user_inputs("", clinic)))


def _explain(result: Mapping[str, Any], lowered: str, names: list[str]) -> str:
    """zxcvbn's feedback in one sentence (its texts never quote the password)."""
    feedback = result.get("feedback") or {}
    warning = str(feedback.get("warning") or "")
    suggestions = [str(s) for s in feedback.get("suggestions") or []]
    if any(name in lowered for name in names):
        warning = "Names an attacker would try first (the clinic's, careDesk) are easy to guess."
    parts = [p.rstrip(".") for p in (warning, *suggestions) if p]
    if not parts:
        parts = ["Add another word or two. Uncommon words are better"]
    return "too easy to guess: " + "; ".join(parts) + ". A phrase of a few unrelated words works"
