"""Outbound URLs (the SMS gateway, and any other web service careDesk posts to): HTTPS only.

A message body, a phone number and a gateway token travel in the request, so plain ``http://``
would show them to anyone on the clinic's network, and ``file://`` or other schemes would make
careDesk read or write local files. Plain ``http://`` is allowed only to this computer itself
(a loopback address), which is how tests and a local relay run. The rule is checked when the
setting is saved and again when a message is sent (a vault from before this rule may hold an
old value).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from careDesk.errors import ValidationFailed


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_outbound_url(key: str, value: str) -> str:
    """``value`` if it is an ``https://`` URL with a host (or ``http://`` to loopback);
    otherwise :class:`ValidationFailed` naming ``key``. An empty value means "not set"."""
    if not value:
        return value
    if any(ch.isspace() or ord(ch) < 32 for ch in value):
        raise ValidationFailed(key, "a web address has no spaces or control characters")
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - a bad port raises ValueError
    except ValueError:
        raise ValidationFailed(key, "not a valid web address") from None
    scheme = parts.scheme.lower()
    if scheme == "https" and host:
        return value
    if scheme == "http" and host and _is_loopback(host):
        return value
    if scheme == "http":
        raise ValidationFailed(
            key, "use https:// (plain http:// would send messages and the token unencrypted)"
        )
    raise ValidationFailed(key, "use an https:// web address")
