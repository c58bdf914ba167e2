"""WhatsApp through the WhatsApp Business Cloud API: ``POST {whatsapp.url}/messages``.

The request is Meta's template message (Cloud API reference, "Messages", type ``template``)::

    {"messaging_product": "whatsapp", "to": "<digits>", "type": "template",
     "template": {"name": "...", "language": {"code": "..."},
                  "components": [{"type": "body", "parameters": [{"type": "text", ...}]}]}}

with ``Authorization: Bearer {whatsapp.token}``; the answer's ``messages[0].id`` is kept on the
outbox message. Templates, not free text: WhatsApp delivers only approved templates outside a
24-hour window after the person last wrote. Each template's body parameters are fixed here per
message kind (:data:`PARAMETERS`); the appointment's place is never one of them (a place can
name a clinic that reveals a diagnosis, careDesk/schedule/privacy.py).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from careDesk.errors import ValidationFailed
from careDesk.schedule import wa_names
from careDesk.schedule.channels import HTTP_TIMEOUT, PermanentFailure, TransientFailure
from careDesk.security.urls import check_outbound_url
from careDesk.settings_secrets import service_secret

if TYPE_CHECKING:
    from careDesk.desk import Desk

# The body parameters {{1}}, {{2}}… of each kind's approved template, in order.
PARAMETERS: dict[str, tuple[str, ...]] = {
    "appointment_reminder": ("first_name", "date", "time", "clinic_name", "clinic_phone"),
    "follow_up_checkin": ("first_name", "coordinator_name", "clinic_name", "clinic_phone"),
    "refill_reminder": ("first_name", "clinic_name", "clinic_phone"),
    "missed_appointment": ("first_name", "date", "clinic_name", "clinic_phone"),
    "caregiver_appointment_reminder": (
        "caregiver_name",
        "first_name",
        "date",
        "time",
        "clinic_name",
        "clinic_phone",
    ),
    "help_reply": ("clinic_name", "clinic_phone"),
}


@dataclass(frozen=True)
class WhatsAppConfig:
    url: str
    token: str


def template_payload(
    names: str, template: str, languages: tuple[str, ...], values: dict[str, str]
) -> str:
    """The stored payload (JSON) of a WhatsApp message, from the setting ``names``
    (``whatsapp.template.<template>``) and the first of ``languages`` it has a template for;
    :class:`ValidationFailed` naming the setting when it has none."""
    key = f"whatsapp.template.{template}"
    if template not in PARAMETERS:
        raise ValidationFailed("channel", f"no WhatsApp message for {template.replace('_', ' ')}")
    chosen = next(
        (found for lang in languages if (found := wa_names.choose(key, names, lang))), None
    )
    if chosen is None:
        raise ValidationFailed(key, f"no approved WhatsApp template set for {languages[0]}")
    name, code = chosen
    parameters = [values.get(p) or "-" for p in PARAMETERS[template]]  # WhatsApp refuses ""
    return json.dumps({"name": name, "code": code, "parameters": parameters})


def parameters_text(payload: str) -> str:
    """Every parameter of a payload, for the privacy check."""
    return " ".join(str(p) for p in json.loads(payload)["parameters"])


def to_digits(phone: str | None, country_code: str) -> str | None:
    """The number as WhatsApp wants it (country code and number, digits only), or None when
    the country is not known: "+1 555 010 2030" → "15550102030"; "(555) 010-2030" needs the
    clinic's ``whatsapp.country_code``, and a national trunk "0" is dropped ("07700 900123"
    with 44 → "447700900123")."""
    if not phone:
        return None
    text = phone.strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    if text.startswith("+"):
        return digits or None
    if digits.startswith("00"):
        return digits[2:] or None
    if country_code and digits:
        return country_code + (digits[1:] if digits.startswith("0") else digits)
    return None


def request_body(to: str, payload: str) -> dict[str, Any]:
    stored = json.loads(payload)
    template: dict[str, Any] = {"name": stored["name"], "language": {"code": stored["code"]}}
    if stored["parameters"]:
        template["components"] = [
            {
                "type": "body",
                "parameters": [{"type": "text", "text": p} for p in stored["parameters"]],
            }
        ]
    return {"messaging_product": "whatsapp", "to": to, "type": "template", "template": template}


def send(config: WhatsAppConfig, to: str, payload: str, key: str) -> str | None:
    """POST one template message; returns WhatsApp's message id (None if the answer had none).
    The idempotency key travels as a header too, for a relay that honours it."""
    request = urllib.request.Request(
        config.url.rstrip("/") + "/messages",
        data=json.dumps(request_body(to, payload)).encode("utf-8"),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {config.token}",
            "Idempotency-Key": key,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
            answer = response.read()
    except urllib.error.HTTPError as exc:
        if exc.code in (408, 429) or exc.code >= 500:
            raise TransientFailure(f"WhatsApp busy (HTTP {exc.code})") from exc
        raise PermanentFailure(f"WhatsApp refused the message (HTTP {exc.code})") from exc
    except (TimeoutError, urllib.error.URLError, OSError) as exc:
        raise TransientFailure(f"WhatsApp not reachable ({type(exc).__name__})") from exc
    return _message_id(answer)


def _message_id(answer: bytes) -> str | None:
    try:
        data = json.loads(answer)
        return str(data["messages"][0]["id"])[:200]
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def config(desk: Desk) -> WhatsAppConfig:
    """The clinic's WhatsApp settings; unset or not https://, sending waits (transient) with
    the reason, so the admin can fix the setting."""
    url = desk.settings.get("whatsapp.url")
    if not url:
        raise TransientFailure("no WhatsApp account set up (whatsapp.url)")
    try:
        check_outbound_url("whatsapp.url", url)
    except ValidationFailed as exc:
        raise TransientFailure(f"WhatsApp not used: {exc.message}") from None
    return WhatsAppConfig(url, service_secret(desk, "whatsapp.token"))
