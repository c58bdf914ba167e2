"""Password rules that reject the weakest choices (NIST SP 800-63B §5.1.1.2).

NIST asks for at least 8 characters and a check against known-breached and common passwords,
not composition rules; we ask for 10, since these passwords guard a whole clinic's records.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from careDesk.errors import PasswordTooWeak

MIN_LENGTH = 10


@cache
def _common() -> frozenset[str]:
    text = resources.files("careDesk.security").joinpath("common_passwords.json").read_text()
    return frozenset(json.loads(text)["passwords"])


def check_password(password: str, login: str = "") -> None:
    """Raise :class:`PasswordTooWeak` with the reason if ``password`` is too weak."""
    if len(password) < MIN_LENGTH:
        raise PasswordTooWeak(f"use at least {MIN_LENGTH} characters")
    lowered = password.lower()
    if len(set(lowered)) < 4:
        raise PasswordTooWeak("use more different characters")
    if login and login.lower() in lowered:
        raise PasswordTooWeak("do not use your user name in your password")
    stripped = lowered.rstrip("0123456789!@#$%^&*.?")
    if lowered in _common() or stripped in _common() or _is_sequence(lowered):
        raise PasswordTooWeak("this password is too common; choose a phrase of a few words")


def _is_sequence(text: str) -> bool:
    rows = ("abcdefghijklmnopqrstuvwxyz", "0123456789012345678901", "qwertyuiopasdfghjklzxcvbnm")
    return any(text in row for row in rows)
