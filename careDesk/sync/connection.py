"""Connecting to the clinic server: verified TLS, the user's own login, typed errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import psycopg

from careDesk.errors import CareDeskError

Connect = Callable[[str], "psycopg.Connection[Any]"]


class SyncNotConfigured(CareDeskError):
    def __init__(self) -> None:
        super().__init__(
            "No clinic server is set: a clinic admin sets it under Clinic server on the Sync "
            "page (or caredesk config set sync.url, sync.user and sync.password)."
        )


class SyncOffline(CareDeskError):
    def __init__(self) -> None:
        super().__init__(
            "The clinic server cannot be reached. Your changes stay on this workstation "
            "and are sent at the next sync."
        )


class SyncUpgradeRequired(CareDeskError):
    def __init__(self, needed: int) -> None:
        super().__init__(
            f"The clinic server needs a newer careDesk on this workstation (data schema {needed} "
            "or newer). Update careDesk here; your unsent changes are kept and sent after the "
            "update."
        )


class SyncRefused(CareDeskError):
    """``code`` is kept as the last attempt's outcome: refused-login, refused-certificate,
    refused-database, server-upgrade (its functions are older than this app), or refused for
    anything else."""

    def __init__(self, reason: str, code: str = "refused") -> None:
        super().__init__(f"The clinic server refused the sync: {reason}")
        self.code = code


def connect_error(exc: psycopg.OperationalError) -> CareDeskError:
    """What a failed connection means to the person at the desk: unreachable, a refused login,
    or a certificate that does not check out (libpq's message is not shown: it names hosts)."""
    text = str(exc).lower()
    if "password authentication failed" in text or "no password supplied" in text:
        return SyncRefused(
            "the login was not accepted (check the sync login and its password)", "refused-login"
        )
    if "not permitted to log in" in text:  # ALTER ROLE … NOLOGIN: a login switched off
        return SyncRefused(
            "this login is switched off on the server: ask a clinic admin", "refused-login"
        )
    # "SSL error: certificate verify failed", "... provider signature failure" (a server signed
    # by another authority); "SSL SYSCALL error" is a dropped link, not a certificate.
    if "certificate" in text or ("ssl error" in text and "syscall" not in text):
        return SyncRefused(
            "the server's TLS certificate could not be verified (check the certificate "
            "authority file)",
            "refused-certificate",
        )
    if "does not exist" in text:
        return SyncRefused("the database or login does not exist on the server", "refused-database")
    return SyncOffline()


def refused_error(exc: psycopg.Error) -> SyncRefused:
    """What a server's refusal of a sync statement means: a function the server lacks is a
    server set up by an older careDesk; anything else is named by its class alone (the message
    may quote values)."""
    if isinstance(exc, psycopg.errors.InvalidSchemaName):  # no schema "sync" at all
        return SyncRefused(
            "this database has no careDesk sync set up: an administrator sets it up with"
            " caredesk sync --setup-server",
            "server-upgrade",
        )
    if _older_server(exc):
        return SyncRefused(
            "its sync functions are older than this careDesk: an administrator upgrades them"
            " with caredesk sync --setup-server",
            "server-upgrade",
        )
    if isinstance(exc, psycopg.errors.InsufficientPrivilege):
        return SyncRefused(
            "this login may not sync here (it is no clinic's sync login on this server): ask a"
            " clinic admin",
            "refused-login",
        )
    return SyncRefused(type(exc).__name__)


def _older_server(exc: psycopg.Error) -> bool:
    """Whether the server was set up by an older careDesk: a function, table or column of this
    version missing, or a table or column it does not replicate (the server's own checks,
    SQLSTATE 22023, in server_schema.sql and upload_schema.sql)."""
    missing = (
        psycopg.errors.UndefinedFunction,
        psycopg.errors.UndefinedTable,
        psycopg.errors.UndefinedColumn,
    )
    if isinstance(exc, missing):
        return True
    said = exc.diag.message_primary or ""
    return isinstance(exc, psycopg.errors.InvalidParameterValue) and (
        "not replicated" in said or "columns do not match" in said
    )


def conninfo(url: str, user: str, password: str) -> str:
    """The libpq connection string: always ``sslmode=verify-full`` against the given CA file."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres") or not parts.hostname:
        raise CareDeskError("sync.url must look like postgresql://host:port/database")
    options = dict(parse_qsl(parts.query))
    params: dict[str, Any] = {
        "host": parts.hostname,
        "port": parts.port or 5432,
        "dbname": parts.path.lstrip("/") or "caredesk",
        "user": user,
        "password": password,
        "sslmode": "verify-full",
        "connect_timeout": options.get("connect_timeout", "10"),
        # A link that drops mid-sync must end the sync (SyncOffline), not leave it waiting for
        # a reply that will never come: libpq would otherwise rely on the system's TCP
        # keepalive timings, about 2 h 11 min on Linux. ~25 s of silence ends it; the retry
        # is harmless (the server skips mutations it already applied).
        "keepalives": 1,
        "keepalives_idle": options.get("keepalives_idle", "10"),
        "keepalives_interval": options.get("keepalives_interval", "5"),
        "keepalives_count": options.get("keepalives_count", "3"),
        "tcp_user_timeout": options.get("tcp_user_timeout", "30000"),
        "application_name": "careDesk",
    }
    if "sslrootcert" in options:
        params["sslrootcert"] = options["sslrootcert"]
    return psycopg.conninfo.make_conninfo(**params)


def default_connect(info: str) -> psycopg.Connection[Any]:
    """Open a connection (one transaction per call, committed by the caller)."""
    return psycopg.connect(info)
