"""Field types shared by the input forms: names, phones, e-mail, language, dates and codes.

Each is an ``Annotated`` type whose validator raises ``ValueError`` with a plain reason; the
form layer turns that into :class:`careDesk.errors.ValidationFailed` naming the field. Reasons
never repeat the value typed (it may be patient data).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from functools import cache
from importlib import resources
from typing import Annotated, Any, get_args, get_origin, get_type_hints
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, AwareDatetime, BaseModel, StringConstraints

from careDesk.model.base import utcnow
from careDesk.text import clean_text

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")
_LANGUAGE_TAG = re.compile(r"^([A-Za-z]{2,3})(?:[-_]([A-Za-z0-9]{2,8}))?$")
# ICD-10-CM: a letter, two characters, optionally a dot and up to four more (CMS ICD-10-CM
# tabular conventions). "U" codes are kept for WHO emergency use (e.g. U07.1 COVID-19).
_ICD10 = re.compile(r"^[A-Z][0-9][0-9A-Z](?:\.?[0-9A-Z]{1,4})?$")
# SNOMED CT identifiers are 6 to 18 digits (SNOMED CT Technical Implementation Guide §6.1).
_SNOMED = re.compile(r"^[0-9]{6,18}$")
# LOINC codes: up to seven digits, a dash and a mod-10 check digit (LOINC Users' Guide §12.3).
_LOINC = re.compile(r"^[0-9]{1,7}-[0-9]$")
# A LOINC code named in free text: "A1c test (LOINC 4548-4)", "LOINC: 2093-3".
NAMED_LOINC = re.compile(r"\bLOINC\s*:?\s*([0-9]{1,7}-[0-9])\b", re.IGNORECASE)
_MRN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$")
EARLIEST_BIRTH = date(1880, 1, 1)
CLOCK_SKEW = timedelta(minutes=10)


@cache
def languages() -> dict[str, str]:
    """Known language codes and their English names (loaded once from ``languages.json``)."""
    text = resources.files(__package__).joinpath("languages.json").read_text(encoding="utf-8")
    data: dict[str, str] = json.loads(text)["languages"]
    return data


def loinc_ok(code: str) -> bool:
    """A LOINC code with its mod-10 check digit right (LOINC Users' Guide §12.3: the Luhn
    algorithm over the digits before the dash), so a mistyped code is refused, not stored."""
    if not _LOINC.match(code):
        return False
    digits, check = code.split("-")
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value // 10 + value % 10
    return (10 - total % 10) % 10 == int(check)


def phone_digits(phone: str | None) -> str | None:
    """The digits of a phone number for search; a North American leading ``1`` is dropped.

    "+1 (555) 010-2345" and "555.010.2345" both give "5550102345", so typing either finds it.
    """
    if not phone:
        return None
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return digits or None


def _phone(value: str) -> str:
    digits = "".join(ch for ch in value if ch.isdigit())
    if re.search(r"[^0-9+()\-. /x]", value.lower().replace("ext", "x")):
        raise ValueError("use digits, spaces and + ( ) - . only")
    if not 7 <= len(digits) <= 15:
        raise ValueError("a phone number has 7 to 15 digits")
    return value


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError("is not an e-mail address (name@example.org)")
    return value


def _language(value: str) -> str:
    match = _LANGUAGE_TAG.match(value)
    if not match or match.group(1).lower() not in languages():
        raise ValueError("is not a known language code (e.g. en, es, vi, zh-TW)")
    primary, region = match.group(1).lower(), match.group(2)
    if region is None:
        return primary
    return f"{primary}-{region.upper() if len(region) == 2 else region.title()}"


def _past_date(value: date) -> date:
    if value > date.today():
        raise ValueError("cannot be in the future")
    return value


def _birth_date(value: date) -> date:
    if value < EARLIEST_BIRTH:
        raise ValueError(f"cannot be before {EARLIEST_BIRTH.year}")
    return _past_date(value)


def _past_time(value: datetime) -> datetime:
    value = value.astimezone(UTC)
    if value > utcnow() + CLOCK_SKEW:
        raise ValueError("cannot be in the future")
    return value


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("is not a time zone name (e.g. America/Chicago)") from None
    return value


def _icd10(value: str) -> str:
    code = value.upper().replace(" ", "")
    if not _ICD10.match(code):
        raise ValueError("is not an ICD-10-CM code (e.g. E11.9)")
    if "." not in code and len(code) > 3:
        code = f"{code[:3]}.{code[3:]}"
    return code


def _pattern(regex: re.Pattern[str], reason: str) -> AfterValidator:
    def check(value: str) -> str:
        if not regex.match(value):
            raise ValueError(reason)
        return value

    return AfterValidator(check)


def _text(max_length: int) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)


class Multiline:
    """Marks a text type whose fields keep line breaks and tabs (notes, instructions); every
    other text field is one line (the form layer cleans input with :mod:`careDesk.text`)."""


MULTILINE = Multiline()


def _marks_multiline(annotation: Any) -> bool:
    if get_origin(annotation) is Annotated:
        args = get_args(annotation)
        return any(isinstance(m, Multiline) for m in args[1:]) or _marks_multiline(args[0])
    return any(_marks_multiline(arg) for arg in get_args(annotation))


@cache
def _multiline_fields(form: type[BaseModel]) -> frozenset[str]:
    """Fields typed as multi-line text (``LongText``, also inside ``| None``)."""
    hints = get_type_hints(form, include_extras=True)
    return frozenset(name for name in form.model_fields if _marks_multiline(hints.get(name)))


def _clean(value: Any, multiline: bool) -> Any:
    if isinstance(value, str):
        return clean_text(value, multiline=multiline)
    if isinstance(value, list | tuple):
        return [_clean(v, multiline) for v in value]
    return value


def clean_input(form: type[BaseModel], data: Mapping[str, Any]) -> dict[str, Any]:
    """The one input boundary for typed text (issue 16): every string given to ``form`` without
    control or invisible format characters (:func:`careDesk.text.clean_text`), keeping line
    breaks only in fields typed multi-line."""
    multiline = _multiline_fields(form)
    return {k: _clean(v, k in multiline) for k, v in data.items()}


Name = Annotated[str, _text(100)]
Text40 = Annotated[str, _text(40)]
Text60 = Annotated[str, _text(60)]
Text100 = Annotated[str, _text(100)]
Text200 = Annotated[str, _text(200)]
Text300 = Annotated[str, _text(300)]
LongText = Annotated[str, _text(20_000), MULTILINE]
AddressLines = Annotated[str, _text(200), MULTILINE]  # "1 Main St" and "Apt 2" on two lines
Phone = Annotated[str, _text(40), AfterValidator(_phone)]
Email = Annotated[str, _text(200), AfterValidator(_email)]
Language = Annotated[str, _text(16), AfterValidator(_language)]
TimeZoneName = Annotated[str, _text(60), AfterValidator(_timezone)]
BirthDate = Annotated[date, AfterValidator(_birth_date)]
PastDate = Annotated[date, AfterValidator(_past_date)]
PastTime = Annotated[AwareDatetime, AfterValidator(_past_time)]
Mrn = Annotated[
    str,
    _text(40),
    _pattern(_MRN, "use letters, digits and . _ / - only (up to 40, no spaces)"),
]
Icd10 = Annotated[str, _text(12), AfterValidator(_icd10)]
Snomed = Annotated[str, _text(18), _pattern(_SNOMED, "is not a SNOMED CT code (6–18 digits)")]
Loinc = Annotated[str, _text(10), _pattern(_LOINC, "is not a LOINC code (e.g. 4548-4)")]


def _checked_loinc(value: str) -> str:
    if not loinc_ok(value):
        raise ValueError("is not a LOINC code with a right check digit (e.g. 4548-4)")
    return value


# A LOINC code a check relies on (a planned test's code): a typo would switch the check off.
CheckedLoinc = Annotated[str, _text(10), AfterValidator(_checked_loinc)]
