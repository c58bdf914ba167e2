"""E-mail replies from the clinic mailbox over IMAP with TLS (stdlib :mod:`imaplib`).

Only TLS (port 993) or STARTTLS: the login and patients' words never cross the network in
clear text; the server's certificate is checked against the system's CAs, or the clinic's own
CA (``imap.ca_file``). Messages are read with ``BODY.PEEK`` (people reading the mailbox still
see them as unread) and, once stored in the vault, flagged with the keyword ``$CareDeskTaken``
so the next fetch skips them; a server that refuses keywords is fine, the vault takes each
message once anyway (its Message-ID is its key). Only the last :data:`SINCE_DAYS` days are
read, so a first fetch does not pull years of clinic mail.
"""

from __future__ import annotations

import contextlib
import imaplib
import re
import ssl
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr, parsedate_to_datetime
from html import unescape
from types import TracebackType

from careDesk.schedule.inbound import MAX_BODY, InboxFailure, Incoming

TAKEN = "$CareDeskTaken"
SINCE_DAYS = 30
MAX_SIZE = 2_000_000  # larger messages: headers only, read the rest in the mailbox
TIMEOUT = 30.0
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_IDS = re.compile(r"<[^<>\s]+>")


@dataclass(frozen=True)
class ImapConfig:
    host: str
    port: int
    security: str  # tls or starttls
    user: str
    password: str
    folder: str
    ca_file: str


def _imap_date(day: date) -> str:
    return f"{day.day}-{_MONTHS[day.month - 1]}-{day.year}"


class Mailbox:
    """An open, selected IMAP folder: ``with Mailbox(config) as box: box.messages()``."""

    def __init__(self, config: ImapConfig) -> None:
        self.config = config
        self.conn: imaplib.IMAP4 | None = None

    def __enter__(self) -> Mailbox:
        c = self.config
        try:
            context = ssl.create_default_context(cafile=c.ca_file or None)
        except (OSError, ssl.SSLError):
            raise InboxFailure("the CA file in imap.ca_file cannot be read") from None
        try:
            if c.security == "starttls":
                self.conn = imaplib.IMAP4(c.host, c.port, timeout=TIMEOUT)
                self.conn.starttls(ssl_context=context)
            else:
                self.conn = imaplib.IMAP4_SSL(c.host, c.port, ssl_context=context, timeout=TIMEOUT)
            self.conn.login(c.user, c.password)
            status, _ = self.conn.select(_quoted(c.folder))
        except ssl.SSLCertVerificationError:
            self._drop()
            raise InboxFailure(
                "the mailbox server's certificate is not trusted (imap.ca_file)"
            ) from None
        except imaplib.IMAP4.error:
            self._drop()
            raise InboxFailure(
                "the mailbox server refused the login (imap.user, imap.password)"
            ) from None
        except (OSError, ssl.SSLError) as exc:
            self._drop()
            raise InboxFailure(
                f"the mailbox server is not reachable ({type(exc).__name__})"
            ) from None
        if status != "OK":
            self.__exit__(None, None, None)
            raise InboxFailure(f"no folder {c.folder!r} in the clinic mailbox (imap.folder)")
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.conn is not None:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                self.conn.logout()
            self.conn = None

    def _drop(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(OSError):
                self.conn.shutdown()
            self.conn = None

    def messages(self, today: date | None = None) -> list[tuple[bytes, Incoming]]:
        """The folder's messages not yet taken, as (IMAP uid, reply)."""
        assert self.conn is not None
        since = _imap_date((today or datetime.now(UTC).date()) - timedelta(days=SINCE_DAYS))
        try:
            status, data = self.conn.uid("SEARCH", "UNKEYWORD", TAKEN, "SINCE", since)
            uids = data[0].split() if status == "OK" and data and data[0] else []
            return [(uid, reply) for uid in uids if (reply := self._one(uid)) is not None]
        except (imaplib.IMAP4.error, OSError) as exc:
            raise InboxFailure(
                f"reading the clinic mailbox failed ({type(exc).__name__})"
            ) from None

    def _one(self, uid: bytes) -> Incoming | None:
        assert self.conn is not None
        _, sized = self.conn.uid("FETCH", uid.decode(), "(RFC822.SIZE)")
        size = int(m.group(1)) if (m := re.search(rb"RFC822\.SIZE (\d+)", sized[0] or b"")) else 0
        part = "BODY.PEEK[HEADER]" if size > MAX_SIZE else "BODY.PEEK[]"
        status, data = self.conn.uid("FETCH", uid.decode(), f"({part})")
        raw = next((item[1] for item in data if isinstance(item, tuple)), None)
        if status != "OK" or raw is None:
            return None
        message = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(message, EmailMessage)
        return _incoming(message, uid, too_large=size > MAX_SIZE)

    def mark_taken(self, uids: list[bytes]) -> None:
        """Flag messages stored in the vault (best effort: the vault's key is the guarantee)."""
        if self.conn is None or not uids:
            return
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            self.conn.uid("STORE", b",".join(uids).decode(), "+FLAGS", f"({TAKEN})")


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _incoming(message: EmailMessage, uid: bytes, *, too_large: bool) -> Incoming | None:
    sender = parseaddr(str(message.get("From", "")))[1].strip().lower()
    if not sender:
        return None
    ident = str(message.get("Message-ID", "")).strip()
    refs = tuple(_IDS.findall(f"{message.get('In-Reply-To', '')} {message.get('References', '')}"))
    try:
        received = parsedate_to_datetime(str(message["Date"])).astimezone(UTC)
    except (TypeError, ValueError):
        received = datetime.now(UTC)
    body = "(too large to fetch: read it in the clinic mailbox)" if too_large else _text(message)
    return Incoming(
        channel="email",
        key=f"email:{ident[:290]}"
        if ident
        else f"email:uid:{uid.decode()}:{received:%Y%m%d%H%M%S}",
        sender=sender[:200],
        body=body[:MAX_BODY],
        received_at=received,
        subject=str(message.get("Subject", ""))[:300] or None,
        refs=refs,
    )


def _text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = str(part.get_content())
    except (LookupError, ValueError):
        return ""
    if part.get_content_subtype() == "html":
        content = re.sub(r"(?is)<(style|script)\b.*?</\1\s*>", " ", content)
        content = re.sub(r"(?i)<br\s*/?>|</p>|</div>", "\n", content)
        content = unescape(re.sub(r"<[^>]+>", " ", content))
    return content.strip()
