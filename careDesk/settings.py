"""Clinic settings, declared once with type, default and description (see
docs/architecture.md#settings).

They live in the encrypted vault, so secrets (SMTP password, SMS token, sync password) are
encrypted at rest with everything else and never reach a settings file; listing them shows
only whether they are set. Reading a secret's value is for admins only (docs/security.md), enforced
here in the core: other roles get :class:`SecretRefused`. The services that need a secret to
do their work (outbox channels, sync) read it through :mod:`careDesk.settings_secrets`, which
the desktop client may not import (an import-linter contract), so it never leaves the core.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from sqlmodel import select

from careDesk.errors import SecretRefused, ValidationFailed
from careDesk.model.base import utcnow
from careDesk.model.fields import check_email, check_phone, check_time_zone
from careDesk.model.security import Setting
from careDesk.schedule import wa_names
from careDesk.security.roles import Permission
from careDesk.security.urls import check_outbound_url

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
    outbound_url: bool = False  # an address careDesk sends to: https:// only (issue 16)
    # The one rule for this kind of value (careDesk/model/fields.py), when it has one: it
    # raises ValueError; the value is kept as typed.
    check: Callable[[str], str] | None = None
    # A rule that also normalises: (key, value) → the value to store, or ValidationFailed.
    normalise: Callable[[str, str], str] | None = None


# Message kinds a WhatsApp template can be named for (careDesk/schedule/templates.py).
WHATSAPP_KINDS = (
    "appointment_reminder",
    "follow_up_checkin",
    "refill_reminder",
    "missed_appointment",
    "caregiver_appointment_reminder",
    "help_reply",
)


def _digits(key: str, value: str) -> str:
    value = value.strip().lstrip("+")
    if value and not (value.isdigit() and len(value) <= 4):
        raise ValidationFailed(key, "a calling code is 1 to 4 digits (1, 34, 52…)")
    return value


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
    Declared("sms.url", str, "", "SMS gateway URL (HTTPS POST)", outbound_url=True),
    Declared("sms.token", str, "", "SMS gateway token", secret=True),
    Declared("sms.body_template", str, '{"to": "{to}", "text": "{text}"}', "SMS gateway JSON body"),
    Declared(
        "sms.inbox_url",
        str,
        "",
        "SMS gateway's list of replies (HTTPS GET: [{id, from, body, received_at}])",
        outbound_url=True,
    ),
    Declared(
        "whatsapp.url",
        str,
        "",
        "WhatsApp Cloud API address with the phone-number id (…/v21.0/PHONE_ID)",
        outbound_url=True,
    ),
    Declared("whatsapp.token", str, "", "WhatsApp Cloud API access token", secret=True),
    Declared(
        "whatsapp.inbox_url",
        str,
        "",
        "Relay listing WhatsApp replies (HTTPS GET: [{id, from, body, received_at}])",
        outbound_url=True,
    ),
    Declared(
        "whatsapp.country_code",
        str,
        "",
        "Calling code for phone numbers written without +country (e.g. 1)",
        normalise=_digits,
    ),
    *(
        Declared(
            f"whatsapp.template.{kind}",
            str,
            "",
            f"Approved WhatsApp template for {kind.replace('_', ' ')} (name, or en=name es=name)",
            normalise=wa_names.check,
        )
        for kind in WHATSAPP_KINDS
    ),
    Declared("imap.host", str, "", "Clinic mailbox server for replies (IMAP over TLS)"),
    Declared("imap.port", int, "993", "Clinic mailbox server port"),
    Declared("imap.security", str, "tls", "tls or starttls", choices=("tls", "starttls")),
    Declared("imap.user", str, "", "Clinic mailbox login"),
    Declared("imap.password", str, "", "Clinic mailbox password", secret=True),
    Declared("imap.folder", str, "INBOX", "Mailbox folder replies arrive in"),
    Declared(
        "imap.ca_file", str, "", "CA certificate file for the mailbox server (default: system's)"
    ),
    Declared("outreach.quiet_start", str, "20:00", "No messages after this local time"),
    Declared("outreach.quiet_end", str, "08:00", "No messages before this local time"),
    Declared("lock.idle_minutes", int, "10", "Lock the app after this many idle minutes"),
    Declared("backup.folder", str, "", "Folder for nightly backups (default: in the data folder)"),
    Declared("backup.keep_daily", int, "7", "Daily backups to keep"),
    Declared("backup.keep_weekly", int, "4", "Weekly backups to keep"),
    Declared(
        "sync.url",
        str,
        "",
        "Clinic PostgreSQL server (postgresql://host/db)",
        check=lambda url: _server_url(url),
    ),
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


def _server_url(url: str) -> str:
    """The clinic server's address as careDesk connects to it (``careDesk/sync/connection.py``
    reads the same shape): checked when it is set, not at the first sync."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres") or not parts.hostname:
        raise ValueError("must look like postgresql://host:port/database")
    return url


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
    if decl.outbound_url:
        return check_outbound_url(decl.key, value)
    if decl.normalise is not None and value:
        return decl.normalise(decl.key, value)
    return value


class Settings:
    """Read and change clinic settings."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def get(self, key: str) -> str:
        """The value (or the default); a secret's value only for admins (else
        :class:`SecretRefused`)."""
        decl = _declared(key)
        if decl.secret:
            self._require_admin(key)
        return self._stored(key, decl.default)

    def is_set(self, key: str) -> bool:
        """Whether a setting has a value (anyone may know that a secret is set)."""
        return bool(self._stored(key, _declared(key).default))

    def _stored(self, key: str, default: str) -> str:
        with self.desk.reading() as session:
            row = session.get(Setting, key)
        return row.value if row is not None else default

    def _require_admin(self, key: str) -> None:
        if not self.desk.can(Permission.ADMIN):
            raise SecretRefused(self.desk.user.role, key)

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
        """A user's own value of a personal setting ("" when they have none); a secret's value
        only for admins."""
        if key not in PERSONAL:
            raise ValidationFailed("key", f"{key!r} is not a personal setting")
        if DECLARED[key].secret:
            self._require_admin(key)
        return self._stored(f"{key}@{login}", "")

    def personal_is_set(self, key: str, login: str) -> bool:
        """Whether ``login`` has their own value of a personal setting."""
        if key not in PERSONAL:
            raise ValidationFailed("key", f"{key!r} is not a personal setting")
        return bool(self._stored(f"{key}@{login}", ""))

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
        """The value as shown to people: secrets masked, and only to admins."""
        if _declared(key).secret:
            self._require_admin(key)
            return "(set)" if self.is_set(key) else "(not set)"
        return self.get(key)

    def all(self) -> dict[str, str]:
        """Every setting; secrets only as "(set)" or "" (their values never leave here)."""
        with self.desk.reading() as session:
            stored = {row.key: row.value for row in session.exec(select(Setting))}
        values = {k: stored.get(k, d.default) for k, d in DECLARED.items()}
        for key, decl in DECLARED.items():
            if decl.secret:
                values[key] = "(set)" if values[key] else ""
        return values
