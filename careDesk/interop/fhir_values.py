"""Reading values out of FHIR JSON with errors that name the resource and the field.

Every accessor takes a :class:`Place` (file + resource) and a FHIR path used in messages; the
value itself is never put in a message (it may be patient data).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from careDesk.interop.report import ImportRejected
from careDesk.text import clean_text

SNOMED = "http://snomed.info/sct"
ICD10_SYSTEMS = ("http://hl7.org/fhir/sid/icd-10-cm", "http://hl7.org/fhir/sid/icd-10")
LOINC = "http://loinc.org"
# careDesk's own extensions, for fields FHIR has no element for (so export → import is lossless).
EXT = "https://caredesk.example/fhir/StructureDefinition/"

_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


@dataclass(frozen=True)
class Place:
    """Where we are: the file and the resource (type, position, id)."""

    file: str
    where: str

    def reject(self, field: str, reason: str) -> ImportRejected:
        """The error to raise for a problem with ``field`` here."""
        return ImportRejected(self.file, self.where, field, reason)


def obj(value: Any, place: Place, field: str) -> dict[str, Any]:
    """``value`` as a JSON object (``{}`` when absent)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise place.reject(field, "should be a JSON object")
    return value


def items(value: Any, place: Place, field: str) -> list[Any]:
    """``value`` as a JSON array (``[]`` when absent)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise place.reject(field, "should be a JSON array")
    return value


def text(
    value: Any,
    place: Place,
    field: str,
    max_len: int,
    *,
    required: bool = False,
    clip: bool = False,
    multiline: bool = False,
) -> str | None:
    """A string of at most ``max_len`` characters; descriptive text may be clipped instead.

    Every text a FHIR file brings in passes here: control and invisible format characters
    are removed (:func:`careDesk.text.clean_text`), line breaks kept only where ``multiline``.
    """
    if value is None or value == "":
        if required:
            raise place.reject(field, "is missing")
        return None
    if not isinstance(value, str):
        raise place.reject(field, "should be text")
    value = clean_text(value, multiline=multiline).strip()
    if len(value) > max_len:
        if not clip:
            raise place.reject(field, f"is longer than {max_len} characters")
        value = value[: max_len - 1].rstrip() + "…"
    if required and not value:
        raise place.reject(field, "is empty")
    return value or None


def number(value: Any, place: Place, field: str) -> float | None:
    """A JSON number (booleans refused)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise place.reject(field, "should be a number")
    if value != value or value in (float("inf"), float("-inf")):
        raise place.reject(field, "should be a finite number")
    return float(value)


def boolean(value: Any, place: Place, field: str) -> bool | None:
    """A JSON boolean."""
    if value is None:
        return None
    if not isinstance(value, bool):
        raise place.reject(field, "should be true or false")
    return value


def fhir_date(value: Any, place: Place, field: str) -> date | None:
    """A FHIR date or dateTime, as a date (partial dates take the first day)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise place.reject(field, "should be a date (YYYY-MM-DD)")
    head = value[:10]
    if _DATE.match(head) and (len(value) == len(head) or value[10] == "T"):
        parts = [int(p) for p in head.split("-")] + [1, 1]
        try:
            return date(parts[0], parts[1], parts[2])
        except ValueError:
            pass
    raise place.reject(field, "is not a valid date")


def fhir_datetime(value: Any, place: Place, field: str) -> datetime | None:
    """A FHIR dateTime/instant as an aware UTC datetime (dates alone mean midnight UTC)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise place.reject(field, "should be a date-time")
    if len(value) <= 10:
        day = fhir_date(value, place, field)
        return datetime.combine(day, time(0), UTC) if day else None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise place.reject(field, "is not a valid date-time") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)  # FHIR requires a zone with a time; assume UTC
    return parsed.astimezone(UTC)


def codings(concept: Any, place: Place, field: str) -> list[dict[str, Any]]:
    """The codings of a CodeableConcept."""
    return [
        obj(c, place, f"{field}.coding")
        for c in items(obj(concept, place, field).get("coding"), place, f"{field}.coding")
    ]


def code_in(concept: Any, systems: tuple[str, ...] | str, place: Place, field: str) -> str | None:
    """The first code of a CodeableConcept from one of ``systems``."""
    wanted = (systems,) if isinstance(systems, str) else systems
    for coding in codings(concept, place, field):
        if coding.get("system") in wanted and coding.get("code"):
            return text(coding["code"], place, f"{field}.coding.code", 40)
    return None


def any_code(concept: Any, place: Place, field: str) -> str | None:
    """The first code of a CodeableConcept, whatever its system."""
    for coding in codings(concept, place, field):
        if coding.get("code"):
            return text(coding["code"], place, f"{field}.coding.code", 100)
    return None


def label(concept: Any, place: Place, field: str, max_len: int) -> str | None:
    """Human words for a CodeableConcept: its text, else the first coding's display."""
    data = obj(concept, place, field)
    if data.get("text"):
        return text(data["text"], place, f"{field}.text", max_len, clip=True)
    for coding in codings(data, place, field):
        if coding.get("display"):
            return text(coding["display"], place, f"{field}.coding.display", max_len, clip=True)
    return None


def extension(resource: dict[str, Any], name: str, place: Place) -> Any:
    """The value of careDesk extension ``name`` on ``resource`` (``None`` when absent)."""
    for ext in items(resource.get("extension"), place, "extension"):
        ext = obj(ext, place, "extension")
        if ext.get("url") == EXT + name:
            for key, value in ext.items():
                if key.startswith("value"):
                    return value
    return None


def reference(value: Any, place: Place, field: str) -> str | None:
    """The reference string of a Reference (``Patient/1``, ``urn:uuid:…`` or a URL)."""
    ref = obj(value, place, field).get("reference")
    return text(ref, place, f"{field}.reference", 500)


def ref_keys(ref: str) -> list[str]:
    """Keys a reference may be known by: itself, and ``Type/id`` for relative or URL forms."""
    keys = [ref]
    parts = ref.rstrip("/").split("/")
    if len(parts) >= 2 and not ref.startswith("urn:"):
        tail = f"{parts[-2]}/{parts[-1]}"
        if parts[-2] == "_history" and len(parts) >= 4:
            tail = f"{parts[-4]}/{parts[-3]}"
        keys.append(tail)
    return keys
