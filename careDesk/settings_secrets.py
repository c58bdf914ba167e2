"""Secret settings for the core's own services (outbox channels, sync), whoever is signed in.

A coordinator's reminder clock sends e-mail with the clinic's SMTP password and syncs with the
clinic's server password, without that coordinator ever being able to read them
(:meth:`careDesk.settings.Settings.get` refuses secrets to non-admins). This module is the one
way round that rule; the desktop client may not import it (import-linter contract in
pyproject.toml), so a secret's value never reaches a widget, a log or the command line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from careDesk.model.security import Setting
from careDesk.settings import DECLARED, PERSONAL

if TYPE_CHECKING:
    from careDesk.desk import Desk


def service_secret(desk: Desk, key: str, *, login: str | None = None) -> str:
    """The stored value of secret ``key`` (a user's own one when ``login`` is given)."""
    if key not in DECLARED or not DECLARED[key].secret:
        raise KeyError(f"{key} is not a secret setting")
    default = DECLARED[key].default
    if login is not None:
        if key not in PERSONAL:
            raise KeyError(f"{key} is not a personal setting")
        key, default = f"{key}@{login}", ""
    with desk.reading() as session:
        row = session.get(Setting, key)
    return row.value if row is not None else default
