"""Delivery channels: e-mail over SMTP and SMS through a clinic's HTTP gateway (WhatsApp:
:mod:`careDesk.schedule.whatsapp`).

A channel either delivers, raises :class:`TransientFailure` (network down, server busy: the
message stays queued and is retried with back-off) or :class:`PermanentFailure` (the server
refused this message: it fails with the reason). Reasons never contain patient data.
Letters and phone calls are not sent by a channel: they are printed in batches by staff.
"""

from __future__ import annotations

import json
import smtplib
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import TYPE_CHECKING

from careDesk.errors import ValidationFailed
from careDesk.security.urls import check_outbound_url
from careDesk.settings_secrets import service_secret

if TYPE_CHECKING:
    from careDesk.desk import Desk

SMTP_TIMEOUT = 20.0
HTTP_TIMEOUT = 20.0


class TransientFailure(Exception):
    """Try again later (offline, server down or busy)."""


class PermanentFailure(Exception):
    """This message will not go through as it is (bad address, refused)."""


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: str  # none, starttls, tls
    user: str
    password: str
    sender: str


@dataclass(frozen=True)
class SmsConfig:
    url: str
    token: str
    body_template: str


@dataclass(frozen=True)
class Attachment:
    name: str
    data: bytes
    mime: tuple[str, str] = ("application", "pdf")


def message_id_for(message_id: str, sender: str) -> str:
    """The Message-ID careDesk gives an outbox message (recorded before it is sent, so a reply
    naming it in In-Reply-To finds the message, and its patient, again)."""
    domain = sender.rpartition("@")[2] or "caredesk.local"
    return f"<{message_id}@{domain}>"


def send_email(
    config: SmtpConfig,
    to: str,
    subject: str,
    body: str,
    key: str,
    *,
    message_id: str | None = None,
    attachment: Attachment | None = None,
) -> None:
    """Deliver one e-mail. Its Message-ID is ``message_id`` (else made from the idempotency
    key), so a receiving system (and a person) can tell a repeat from a new message."""
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = to
    message["Subject"] = subject
    domain = config.sender.rpartition("@")[2] or "caredesk.local"
    message["Message-ID"] = message_id or make_msgid(idstring=key.replace(":", "."), domain=domain)
    message.set_content(body)
    if attachment is not None:
        maintype, subtype = attachment.mime
        message.add_attachment(
            attachment.data, maintype=maintype, subtype=subtype, filename=attachment.name
        )
    try:
        if config.security == "tls":
            context = ssl.create_default_context()
            with smtplib.SMTP_SSL(
                config.host, config.port, timeout=SMTP_TIMEOUT, context=context
            ) as s:
                _deliver(s, config, message)
        else:
            with smtplib.SMTP(config.host, config.port, timeout=SMTP_TIMEOUT) as s:
                if config.security == "starttls":
                    s.starttls(context=ssl.create_default_context())
                _deliver(s, config, message)
    except smtplib.SMTPRecipientsRefused as exc:
        raise PermanentFailure("the mail server refused the address") from exc
    except smtplib.SMTPResponseException as exc:
        if 400 <= exc.smtp_code < 500:
            raise TransientFailure(f"mail server busy (code {exc.smtp_code})") from exc
        raise PermanentFailure(f"mail server refused the message (code {exc.smtp_code})") from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise TransientFailure(f"mail server not reachable ({type(exc).__name__})") from exc


def _deliver(server: smtplib.SMTP, config: SmtpConfig, message: EmailMessage) -> None:
    if config.user:
        server.login(config.user, config.password)
    server.send_message(message)


def send_sms(config: SmsConfig, to: str, text: str, key: str) -> None:
    """POST one text message to the gateway, with the idempotency key as a header so a
    gateway that honours it never delivers a retried message twice."""
    body = config.body_template.replace("{to}", json.dumps(to)[1:-1]).replace(
        "{text}", json.dumps(text)[1:-1]
    )
    request = urllib.request.Request(
        config.url,
        data=body.encode("utf-8"),
        method="POST",
        headers={"Content-Type": "application/json", "Idempotency-Key": key},
    )
    if config.token:
        request.add_header("Authorization", f"Bearer {config.token}")
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        if exc.code in (408, 429) or exc.code >= 500:
            raise TransientFailure(f"SMS gateway busy (HTTP {exc.code})") from exc
        raise PermanentFailure(f"SMS gateway refused the message (HTTP {exc.code})") from exc
    except (TimeoutError, urllib.error.URLError, OSError) as exc:
        raise TransientFailure(f"SMS gateway not reachable ({type(exc).__name__})") from exc


def smtp_config(desk: Desk) -> SmtpConfig:
    """The clinic's mail server settings; without a host, sending waits (transient). The
    password is read for the service, whoever is signed in (never shown to them)."""
    settings = desk.settings
    get = settings.get
    if not get("smtp.host"):
        raise TransientFailure("no mail server set up (smtp.host)")
    return SmtpConfig(
        get("smtp.host"),
        settings.get_int("smtp.port"),
        get("smtp.security"),
        get("smtp.user"),
        service_secret(desk, "smtp.password"),
        get("smtp.sender"),
    )


def sms_config(desk: Desk) -> SmsConfig:
    """The clinic's SMS gateway settings; without a URL, or with one that is not https://,
    sending waits (transient) with the reason, so the admin can fix the setting."""
    get = desk.settings.get
    url = get("sms.url")
    if not url:
        raise TransientFailure("no SMS gateway set up (sms.url)")
    try:
        check_outbound_url("sms.url", url)
    except ValidationFailed as exc:
        raise TransientFailure(f"SMS gateway not used: {exc.message}") from None
    return SmsConfig(url, service_secret(desk, "sms.token"), get("sms.body_template"))
