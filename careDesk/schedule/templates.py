"""Outreach message templates per language (English and Spanish; more by adding a file).

Templates hold no diagnoses or medicine names: a text or e-mail may be read by someone else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

from careDesk.errors import ValidationFailed

# Messages to the patient; to a caregiver (within what they may be told, outbox.caregivers);
# the answer to a HELP reply (clinic name and phone only).
TEMPLATES = ("appointment_reminder", "follow_up_checkin", "refill_reminder", "missed_appointment")
CAREGIVER_TEMPLATES = ("caregiver_appointment_reminder", "caregiver_handout")
HELP_REPLY = "help_reply"
ALL_TEMPLATES = (*TEMPLATES, *CAREGIVER_TEMPLATES, HELP_REPLY)
FALLBACK = "en"


@cache
def _load(language: str) -> dict[str, Any]:
    folder = resources.files("careDesk.schedule").joinpath("messages")
    path = folder.joinpath(f"{language}.json")
    if not path.is_file():
        path = folder.joinpath(f"{FALLBACK}.json")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def languages() -> list[str]:
    folder = resources.files("careDesk.schedule").joinpath("messages")
    return sorted(
        p.name.removesuffix(".json") for p in folder.iterdir() if p.name.endswith(".json")
    )


@dataclass(frozen=True)
class Rendered:
    language: str
    subject: str
    body: str
    sms: str
    letter: str  # the body of a printed letter (the letter itself adds greeting and closing)


def format_date(when: datetime, language: str) -> str:
    cal = _load(language)["calendar"]
    return str(cal["date"]).format(
        day=cal["days"][when.weekday()], month=cal["months"][when.month - 1], d=when.day
    )


def format_time(when: datetime, language: str) -> str:
    if _load(language)["calendar"]["time12"]:
        hour = when.hour % 12 or 12
        return f"{hour}:{when.minute:02d} {'AM' if when.hour < 12 else 'PM'}"
    return f"{when.hour}:{when.minute:02d}"


def care_team(language: str) -> str:
    """How a message names the care team when no coordinator is assigned."""
    return str(_load(language)["care_team"])


def render(template: str, language: str, values: dict[str, str]) -> Rendered:
    """Fill ``template`` in ``language`` (English when the language has no file)."""
    if template not in ALL_TEMPLATES:
        raise ValidationFailed("template", f"choose one of {', '.join(TEMPLATES)}")
    data = _load(language)
    lang = str(data["language"])
    text = data[template]
    places = data["place_line"]
    place_line = ""
    if values.get("link"):
        place_line = places["telehealth"].format(link=values["link"])
    elif values.get("place"):
        place_line = places["place"].format(place=values["place"])
    filled = {"coordinator_name": str(data["care_team"]), **values, "place_line": place_line}
    subject = text["subject"].format_map(_Blank(filled))
    body = " ".join(text["body"].format_map(_Blank(filled)).split())
    sms = " ".join(text["sms"].format_map(_Blank(filled)).split())
    letter = " ".join(text["letter"].format_map(_Blank(filled)).split())
    return Rendered(lang, subject, body, sms, letter)


class _Blank(dict[str, str]):
    """Missing values print as nothing rather than raising (e.g. no coordinator yet)."""

    def __missing__(self, key: str) -> str:
        return ""
