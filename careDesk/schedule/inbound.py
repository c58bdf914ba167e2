"""Replies as they arrive: one shape for every source, and the HTTP lists of texts.

The SMS gateway (``sms.inbox_url``) and the WhatsApp relay (``whatsapp.inbox_url``; a desktop
cannot receive WhatsApp's webhooks, so a small relay keeps them) answer a GET with a JSON list
of ``{"id", "from", "body", "received_at"}``. The id makes each reply's key, so a reply listed
again is taken once. Items that are not of that shape are counted, never shown: an error
message must not carry a patient's words.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from careDesk.errors import CareDeskError

HTTP_TIMEOUT = 20.0
MAX_LIST_BYTES = 5_000_000
MAX_BODY = 10_000


class InboxFailure(CareDeskError):
    """A reply source could not be read (the reason names the source and setting, no data)."""


@dataclass(frozen=True)
class Incoming:
    """One reply, whatever it came through."""

    channel: str  # email, sms, whatsapp
    key: str  # "sms:<gateway id>", "email:<Message-ID>": taken once
    sender: str  # a phone number or an e-mail address
    body: str
    received_at: datetime
    subject: str | None = None
    refs: tuple[str, ...] = ()  # the Message-IDs an e-mail answers (In-Reply-To, References)


@dataclass(frozen=True)
class Fetched:
    replies: list[Incoming]
    rejected: int  # items not of the expected shape


def parse_time(value: Any) -> datetime:
    """An ISO 8601 time as aware UTC (a time without zone is taken as UTC)."""
    when = datetime.fromisoformat(str(value).strip())
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _item(channel: str, raw: Any) -> Incoming | None:
    if not isinstance(raw, dict):
        return None
    ident, sender, body = raw.get("id"), raw.get("from"), raw.get("body")
    if not isinstance(ident, str | int) or not str(ident).strip():
        return None
    if not isinstance(sender, str) or not sender.strip() or not isinstance(body, str):
        return None
    try:
        received = parse_time(raw.get("received_at"))
    except (TypeError, ValueError):
        return None
    return Incoming(
        channel=channel,
        key=f"{channel}:{str(ident).strip()[:200]}",
        sender=sender.strip()[:200],
        body=body[:MAX_BODY],
        received_at=received,
    )


def fetch_list(url: str, token: str, channel: str, setting: str) -> Fetched:
    """GET the list of replies at ``url`` (bearer ``token`` when set)."""
    request = urllib.request.Request(url, method="GET", headers={"Accept": "application/json"})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    where = f"the {channel} replies ({setting})"
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
            data = response.read(MAX_LIST_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise InboxFailure(f"{where}: the server answered HTTP {exc.code}") from None
    except (TimeoutError, urllib.error.URLError, OSError) as exc:
        raise InboxFailure(f"{where}: not reachable ({type(exc).__name__})") from None
    if len(data) > MAX_LIST_BYTES:
        raise InboxFailure(f"{where}: the list is larger than {MAX_LIST_BYTES // 1_000_000} MB")
    try:
        items = json.loads(data)
    except ValueError:
        raise InboxFailure(f"{where}: the answer is not JSON") from None
    if not isinstance(items, list):
        raise InboxFailure(f"{where}: the answer is not a list of replies")
    replies = [reply for raw in items if (reply := _item(channel, raw)) is not None]
    return Fetched(replies, len(items) - len(replies))
