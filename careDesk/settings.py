"""Clinic settings, declared once with type, default and description (see
docs/architecture.md#settings).

They live in the encrypted vault, so secrets (SMTP password, SMS token, sync password) are
encrypted at rest with everything else and never reach a settings file; listing them shows
only whether they are set.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlmodel import select

from careDesk.errors import ValidationFailed
from careDesk.model.base import utcnow
from careDesk.model.fields import check_email, check_phone, check_time_zone
from careDesk.model.security import Setting
from careDesk.security.roles import Permission

if TYPE_CHECKING:
    from careDesk.desk import Desk


@dataclass(frozen=True)
class Declared:
    key: str
    kind: type
    default: str
    description: str
    secret: bool = False
    choices: tuple[str, ...] = ()
    # The one rule for this kind of value (careDesk/model/fields.py), when it has one.
    check: Callable[[str], str] | None = None


_DECLARED = [
    Declared("clinic.name", str, "", "Clinic name printed on handouts and letters"),
    Declared("clinic.phone", str, "", "Clinic phone number printed on handouts", check=check_phone),
    Declared("clinic.address", str, "", "Clinic address printed on letters"),
    Declared("clinic.logo", str, "", "Logo picture (PNG or JPEG file) printed on handouts"),
    Declared(
        "clinic.timezone",
        str,
        "",
        "Clinic time zone (IANA name, e.g. America/Chicago)",
        check=check_time_zone,
    ),
    Declared("smtp.host", str, "", "Outgoing mail server"),
    Declared("smtp.port", int, "587", "Outgoing mail server port"),
    Declared(
        "smtp.security",
        str,
        "starttls",
        "none, starttls or tls",
        choices=("none", "starttls", "tls"),
    ),
    Declared("smtp.user", str, "", "Mail server login"),
    Declared("smtp.password", str, "", "Mail server password", secret=True),
    Declared("smtp.sender", str, "", "From address for patient e-mail", check=check_email),
    Declared("sms.url", str, "", "SMS gateway URL (HTTP POST)"),
    Declared("sms.token", str, "", "SMS gateway token", secret=True),
    Declared("sms.body_template", str, '{"to": "{to}", "text": "{text}"}', "SMS gateway JSON body"),
    Declared("outreach.quiet_start", str, "20:00", "No messages after this local time"),
    Declared("outreach.quiet_end", str, "08:00", "No messages before this local time"),
    Declared("lock.idle_minutes", int, "10", "Lock the app after this many idle minutes"),
    Declared("backup.folder", str, "", "Folder for nightly backups (default: in the data folder)"),
    Declared("backup.keep_daily", int, "7", "Daily backups to keep"),
    Declared("backup.keep_weekly", int, "4", "Weekly backups to keep"),
    Declared("sync.url", str, "", "Clinic PostgreSQL server (postgresql://host/db)"),
    Declared("sync.user", str, "", "Sync login on the clinic server"),
    Declared("sync.password", str, "", "Sync password", secret=True),
    Declared("sync.every_minutes", int, "2", "Sync in the background this often (0: only by hand)"),
]
DECLARED: dict[str, Declared] = {d.key: d for d in _DECLARED}
# Settings a user may also have for themselves (their own login on the clinic server, issue 10),
# stored as "<key>@<login>"; the plain key is the workstation's default.
PERSONAL = frozenset({"sync.user", "sync.password"})


def _declared(key: str) -> Declared:
    try:
        return DECLARED[key]
    except KeyError:
        raise ValidationFailed("key", f"unknown setting {key!r}") from None


def _normalise(decl: Declared, value: str) -> str:
    value = value.strip()
    if decl.kind is int and value:
        try:
            number = int(value)
        except ValueError:
            raise ValidationFailed(decl.key, "must be a whole number") from None
        if number < 0:
            raise ValidationFailed(decl.key, "must not be negative")
        return str(number)
    if decl.choices and value not in decl.choices:
        raise ValidationFailed(decl.key, f"choose one of {', '.join(decl.choices)}")
    if decl.check is not None and value:
        try:
            decl.check(value)
        except ValueError as exc:
            raise ValidationFailed(decl.key, str(exc)) from None
    return value


class Settings:
    """Read and change clinic settings."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def get(self, key: str) -> str:
        """The value (or the default); secrets only for admins and services."""
        decl = _declared(key)
        with self.desk.reading() as session:
            row = session.get(Setting, key)
        return row.value if row is not None else decl.default

    def get_int(self, key: str) -> int:
        return int(self.get(key) or DECLARED[key].default or 0)

    def set(self, key: str, value: str) -> None:
        """Change a setting (admins only); audited without the value of secrets."""
        decl = _declared(key)
        value = _normalise(decl, value)
        with self.desk.writing(Permission.ADMIN) as tx:
            row = tx.session.get(Setting, key) or Setting(key=key)
            row.value = value
            row.updated_at = utcnow()
            row.changed_by = self.desk.user.id
            tx.session.add(row)
            tx.changes.add("setting", key)
            shown = "(secret)" if decl.secret else value
            tx.audit(
                "setting.change", entity="setting", entity_id=key[:36], detail={"value": shown}
            )

    def personal(self, key: str, login: str) -> str:
        """A user's own value of a personal setting ("" when they have none)."""
        if key not in PERSONAL:
            raise ValidationFailed("key", f"{key!r} is not a personal setting")
        with self.desk.reading() as session:
            row = session.get(Setting, f"{key}@{login}")
        return row.value if row is not None else ""

    def set_personal(self, key: str, login: str, value: str) -> None:
        """Set a user's own value (admins for anyone, everyone for themselves)."""
        if key not in PERSONAL:
            raise ValidationFailed("key", f"{key!r} is not a personal setting")
        decl = DECLARED[key]
        value = _normalise(decl, value)
        mine = login == self.desk.user.login
        with self.desk.writing(Permission.READ if mine else Permission.ADMIN) as tx:
            stored = f"{key}@{login}"
            row = tx.session.get(Setting, stored) or Setting(key=stored)
            row.value = value
            row.updated_at = utcnow()
            row.changed_by = self.desk.user.id
            tx.session.add(row)
            tx.changes.add("setting", stored[:36])
            shown = "(secret)" if decl.secret else value
            tx.audit(
                "setting.change",
                entity="setting",
                entity_id=stored[:36],
                detail={"value": shown, "user": login},
            )

    def display(self, key: str) -> str:
        """The value as shown to people: secrets masked."""
        value = self.get(key)
        if DECLARED[key].secret:
            return "(set)" if value else "(not set)"
        return value

    def all(self) -> dict[str, str]:
        with self.desk.reading() as session:
            stored = {row.key: row.value for row in session.exec(select(Setting))}
        return {k: stored.get(k, d.default) for k, d in DECLARED.items()}
