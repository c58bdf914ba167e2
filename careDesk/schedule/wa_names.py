"""WhatsApp template names per message kind and language (clinic settings).

WhatsApp delivers only pre-approved templates outside a 24-hour window after the person last
wrote (Meta, WhatsApp Business Platform, "Message templates"). Each message kind has a setting
``whatsapp.template.<kind>`` naming its approved template, either one name for every language
(``appointment_reminder``) or one per careDesk language (``en=appt_en es=cita_es``), each
optionally with the template's own language code after a colon (``en=appt:en_US``; without
it, the careDesk language tag: ``en``, ``es``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from careDesk.errors import ValidationFailed

_NAME = re.compile(r"^[a-z0-9_]{1,512}$")  # Meta: lower case letters, digits and underscores
_CODE = re.compile(r"^[a-z]{2,3}(_[A-Z]{2})?$")
_LANG = re.compile(r"^[a-z]{2,3}$")
ANY = "*"


@dataclass(frozen=True)
class TemplateName:
    name: str
    code: str | None  # None: the message's language tag


def parse(key: str, value: str) -> dict[str, TemplateName]:
    """``{language or "*": TemplateName}`` from a setting's value; a clear error naming ``key``."""
    found: dict[str, TemplateName] = {}
    for item in value.replace(",", " ").split():
        lang, _, spec = item.rpartition("=")
        lang = lang or ANY
        name, _, code = spec.partition(":")
        if lang != ANY and not _LANG.match(lang):
            raise ValidationFailed(key, f"{lang!r} is not a language tag (en, es, vi…)")
        if not _NAME.match(name):
            raise ValidationFailed(
                key, f"{name!r} is not a template name (lower case letters, digits, _)"
            )
        if code and not _CODE.match(code):
            raise ValidationFailed(key, f"{code!r} is not a WhatsApp language code (en, en_US)")
        if lang in found:
            raise ValidationFailed(key, f"two templates for {lang}")
        found[lang] = TemplateName(name, code or None)
    return found


def check(key: str, value: str) -> str:
    """The value, normalised to single spaces, if it parses (settings validation)."""
    parse(key, value)
    return " ".join(value.replace(",", " ").split())


def choose(key: str, value: str, language: str) -> tuple[str, str] | None:
    """(template name, language code) for a message in ``language``, or None when unset."""
    names = parse(key, value)
    chosen = names.get(language) or names.get(ANY)
    if chosen is None:
        return None
    return chosen.name, chosen.code or language
