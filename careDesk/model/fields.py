"""One rule per kind of value: phone, e-mail, date, dose, codes, language, time zone, times.

Every base model (``careDesk/model/*.py``) declares its fields with these types, so a patient,
a care-team member and a community resource accept and refuse the same phone numbers, e-mail
addresses and dates. Each type is an ``Annotated`` type whose validator raises ``ValueError``
with a plain reason; the form layer (``careDesk/care/forms/base.py``) turns that into
:class:`careDesk.errors.ValidationFailed` naming the field. Reasons never repeat the value
typed (it may be patient data). Column lengths are not here: each field gives its own with
``Field(max_length=…)``, which is both the column's size and the form's limit.

Table models do not validate (SQLModel), so stored rows — imported, synced, or saved under an
older rule — are read back as they are; only input passes through these rules.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from functools import cache
from importlib import resources
from typing import Annotated, Any, get_args, get_origin

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, Field

from careDesk.text import clean_text

# ----- phone ----------------------------------------------------------------------------------
# At least 7 digits: a North American local number is 7 digits (NANP: NXX-XXXX after the
# 3-digit area code), and an international number written with its country code has at least
# 7 (ITU-T E.164: country code + national number; the shortest, e.g. Niue +683 and 4 digits).
# Anything shorter ("123", a typo'd "555") reaches no one. At most 15: the E.164 maximum.
MIN_PHONE_DIGITS = 7
MAX_PHONE_DIGITS = 15
# NANP three-digit public service numbers a community resource may list: 211 community
# information and referral, 311 city services, 511 travel information, 711 relay service for
# callers who are deaf or hard of hearing (FCC, N11 codes), 988 Suicide and Crisis Lifeline
# (FCC 20-100, 2020). Only the resource directory takes them: a patient's or a team member's
# number is dialled and texted by outreach, and a reminder must never go to a crisis line.
SERVICE_NUMBERS = frozenset({"211", "311", "511", "711", "988"})
# An extension after the number: "ext 4", "ext. 4", "extension 4", "x12", "#12" (1–6 digits).
_EXTENSION = re.compile(r"\s*,?\s*(?:ext\.?|extension|x|#)\s*([0-9]{1,6})\s*$", re.IGNORECASE)
_NUMBER = re.compile(r"^\+?[0-9(][0-9 ().\-/]*$")


def split_extension(phone: str) -> tuple[str, str | None]:
    """The number and its extension: "555 0102 ext 4" → ("555 0102", "4")."""
    found = _EXTENSION.search(phone)
    if found is None or found.start() == 0:
        return phone.strip(), None
    return phone[: found.start()].strip(), found.group(1)


def phone_digits(phone: str | None) -> str | None:
    """The digits of a phone number for search, without its extension; a North American
    leading ``1`` is dropped.

    "+1 (555) 010-2345", "555.010.2345" and "555-010-2345 x12" all give "5550102345", so
    typing any of them finds the patient.
    """
    if not phone:
        return None
    number, _extension = split_extension(phone)
    digits = "".join(ch for ch in number if ch.isdigit())
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return digits or None


def check_phone(value: str) -> str:
    """``value`` if it is a phone number careDesk accepts, else ``ValueError`` (the rule above)."""
    number, _extension = split_extension(value)
    if not _NUMBER.match(number):
        raise ValueError(
            "use digits, spaces and + ( ) - . only, then ext and the extension "
            "(for example 555 010 2030 ext 4)"
        )
    count = sum(ch.isdigit() for ch in number)
    if count < MIN_PHONE_DIGITS:
        raise ValueError(
            f"needs at least {MIN_PHONE_DIGITS} digits (give the area code or country code)"
        )
    if count > MAX_PHONE_DIGITS:
        raise ValueError(f"has more than {MAX_PHONE_DIGITS} digits (put an extension after ext)")
    return value


def _service_or_phone(value: str) -> str:
    if value in SERVICE_NUMBERS:
        return value
    return check_phone(value)


# ----- e-mail ---------------------------------------------------------------------------------
# The address forms careDesk can send to (RFC 5321 §4.1.2 and §4.5.3.1, RFC 5322 §3.2.3 and
# §3.4.1): a dot-atom local part of at most 64 characters, "@", and a domain name of at least
# two labels, each 1–63 letters, digits or hyphens, not starting or ending with a hyphen
# (RFC 1035 §2.3.1); the whole address at most 254 characters. The last label, the top-level
# domain, has at least two letters (every TLD in the IANA root zone does; RFC 3696 §2: never
# all digits) or is an internationalised "xn--" name, so "a@b.c" is refused. Non-ASCII
# letters are allowed (RFC 6531/6532 internationalised addresses). Quoted local parts and IP
# address literals are refused: no clinic contact needs them, and they are mostly typos.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-\u0080-\U0010ffff]+"
_LOCAL = re.compile(rf"^{_ATOM}(?:\.{_ATOM})*$")
_LABEL = re.compile(r"^[A-Za-z0-9\u0080-\U0010ffff](?:[A-Za-z0-9\-\u0080-\U0010ffff]{0,61}"
                    r"[A-Za-z0-9\u0080-\U0010ffff])?$")  # fmt: skip
_TOP_LEVEL = re.compile(r"^(?:[^\W\d_]{2,63}|xn--[A-Za-z0-9\-]{1,59})$")
_EMAIL_REASON = "is not an e-mail address (for example name@example.org)"


def email_ok(address: str) -> bool:
    """Whether ``address`` is an e-mail address careDesk accepts (the rule above)."""
    if len(address) > 254 or address.count("@") != 1:
        return False
    local, domain = address.split("@")
    labels = domain.split(".")
    return (
        0 < len(local) <= 64
        and bool(_LOCAL.match(local))
        and len(domain) <= 253
        and len(labels) >= 2
        and all(_LABEL.match(label) for label in labels)
        and bool(_TOP_LEVEL.match(labels[-1]))
    )


def check_email(value: str) -> str:
    """``value`` if it is an e-mail address careDesk accepts, else ``ValueError``."""
    if not email_ok(value):
        raise ValueError(_EMAIL_REASON)
    return value


# ----- dates ----------------------------------------------------------------------------------
# Dates are typed as ISO 8601 (2026-12-02) or as US clinics write them, month first
# (12/02/2026 is 2 December 2026), always with a four-digit year: "1/2/45" could be 1945 or
# 2045. The same parser reads dates in CSV patient lists (careDesk/interop/csv_import.py).
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
DATE_HINT = "use YYYY-MM-DD or MM/DD/YYYY, month first (for example 2026-12-02 or 12/02/2026)"
# No date a coordinator types is before the oldest living patient's birth or centuries ahead:
# a year like 0226 or 2926 is a typo.
EARLIEST_DATE = date(1880, 1, 1)
LATEST_DATE = date(2199, 12, 31)
CLOCK_SKEW = timedelta(minutes=10)


def parse_date(text: str) -> date:
    """A typed date, ISO or US month/day/year; ``ValueError`` with a plain reason otherwise."""
    cleaned = text.strip()
    iso, us = _ISO_DATE.match(cleaned), _US_DATE.match(cleaned)
    if iso:
        year, month, day = (int(part) for part in iso.groups())
    elif us:
        month, day, year = (int(part) for part in us.groups())
    else:
        raise ValueError(f"is not a date: {DATE_HINT}")
    try:
        value = date(year, month, day)
    except ValueError:
        raise ValueError(f"is not a real date: {DATE_HINT}") from None
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError(f"must be between {EARLIEST_DATE.year} and {LATEST_DATE.year}")
    return value


def _typed_date(value: Any) -> Any:
    # A datetime is a point in time, not a calendar day: refuse it rather than guess the day.
    if isinstance(value, datetime):
        raise ValueError("give a date without a time")
    if isinstance(value, int | float):
        raise ValueError(f"is not a date: {DATE_HINT}")
    return parse_date(value) if isinstance(value, str) else value


def _in_range(value: date) -> date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError(f"must be between {EARLIEST_DATE.year} and {LATEST_DATE.year}")
    return value


def _not_future(value: date) -> date:
    if value > date.today():
        raise ValueError("cannot be in the future")
    return value


def parse_birth_date(text: str) -> date:
    """A typed birth date (:func:`parse_date`), refused when it is in the future."""
    return _not_future(parse_date(text))


def _aware_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _past_time(value: datetime) -> datetime:
    if value > datetime.now(UTC) + CLOCK_SKEW:
        raise ValueError("cannot be in the future")
    return value


# ----- doses ----------------------------------------------------------------------------------
# The Joint Commission "Do Not Use" list (Information Management standard IM.02.02.01) and the
# ISMP List of Error-Prone Abbreviations, Symbols, and Dose Designations (2021): a trailing
# zero ("1.0 mg" read as 10 mg) and a decimal point without a leading zero (".5 mg" read as
# 5 mg) cause tenfold dosing errors. Doses print on patient handouts, so both are refused.
_NAKED_DECIMAL = re.compile(r"(?:^|[^\w.,])[.,]\d")
_TRAILING_ZERO = re.compile(r"\d\.\d*0(?!\d)|\d,(?:\d{1,2}|\d{4,})(?<=0)(?!\d)")
MAX_DOSE_AMOUNT = 100_000


def _dose(value: str) -> str:
    if _NAKED_DECIMAL.search(value):
        raise ValueError("write a zero before the decimal point (0.5 mg, not .5 mg)")
    if _TRAILING_ZERO.search(value):
        raise ValueError("leave out the zero at the end (5 mg, not 5.0 mg)")
    return value


# ----- codes ----------------------------------------------------------------------------------
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


def _icd10(value: str) -> str:
    code = value.upper().replace(" ", "")
    if not _ICD10.match(code):
        raise ValueError("is not an ICD-10-CM code (for example E11.9)")
    if "." not in code and len(code) > 3:
        code = f"{code[:3]}.{code[3:]}"
    return code


def _pattern(regex: re.Pattern[str], reason: str) -> AfterValidator:
    def check(value: str) -> str:
        if not regex.match(value):
            raise ValueError(reason)
        return value

    return AfterValidator(check)


def _checked_loinc(value: str) -> str:
    if not loinc_ok(value):
        raise ValueError("is not a LOINC code with a right check digit (for example 4548-4)")
    return value


# ----- language, time zone, schedules ---------------------------------------------------------
_LANGUAGE_TAG = re.compile(r"^([A-Za-z]{2,3})(?:[-_]([A-Za-z0-9]{2,8}))?$")


@cache
def languages() -> dict[str, str]:
    """Known language codes and their English names (loaded once from ``languages.json``)."""
    text = resources.files(__package__).joinpath("languages.json").read_text(encoding="utf-8")
    data: dict[str, str] = json.loads(text)["languages"]
    return data


def _language(value: str) -> str:
    match = _LANGUAGE_TAG.match(value)
    if not match or match.group(1).lower() not in languages():
        raise ValueError("is not a known language code (for example en, es, vi, zh-TW)")
    primary, region = match.group(1).lower(), match.group(2)
    if region is None:
        return primary
    return f"{primary}-{region.upper() if len(region) == 2 else region.title()}"


def _language_list(value: str) -> str:
    codes = [code.strip().lower() for code in value.split(",") if code.strip()]
    if not codes or any(not code.isalpha() or code not in languages() for code in codes):
        raise ValueError("list language codes separated by commas (for example en, es, vi)")
    return ",".join(dict.fromkeys(codes))


def check_time_zone(value: str) -> str:
    """``value`` if it is an IANA time zone name, else ``ValueError``."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("is not a time zone name (for example America/Chicago)") from None
    return value


def check_rrule(text: str) -> None:
    """Raise ``ValueError`` unless ``text`` is an RFC 5545 recurrence rule (``dateutil``)."""
    from dateutil.rrule import rrulestr

    try:
        rrulestr(text, dtstart=datetime(2000, 1, 1))
    except (ValueError, TypeError, KeyError, IndexError):
        raise ValueError("is not a repeat rule (for example FREQ=WEEKLY;BYDAY=MO)") from None


def looks_like_rrule(text: str) -> bool:
    """Whether a schedule is meant as an RRULE rather than plain words."""
    upper = text.strip().upper()
    return upper.startswith(("RRULE:", "FREQ=", "DTSTART")) or ";FREQ=" in upper


def _recurrence(value: str) -> str:
    """One RFC 5545 RRULE (with or without "RRULE:"), as the reminder clock runs it."""
    from dateutil.rrule import rrule, rrulestr

    cleaned = value.strip()
    if cleaned.upper().startswith("RRULE:"):
        cleaned = cleaned[6:]
    try:
        parsed = rrulestr(cleaned, dtstart=datetime(2000, 1, 1))
    except (ValueError, TypeError, KeyError, IndexError):
        raise ValueError("is not a repeat rule (for example FREQ=WEEKLY;BYDAY=MO)") from None
    if not isinstance(parsed, rrule):
        raise ValueError("give one repeat rule, not a set of them")
    return value


def _schedule(value: str) -> str:
    """Plain words ("every morning") or an RFC 5545 RRULE, which must then parse."""
    if looks_like_rrule(value):
        check_rrule(value)
    return value


def _url(value: str) -> str:
    if not value.startswith(("https://", "http://")) or any(ch.isspace() for ch in value):
        raise ValueError("give the full link, starting with https://")
    return value


# ----- text -----------------------------------------------------------------------------------
class Multiline:
    """Marks a text type whose fields keep line breaks and tabs (notes, instructions, an
    address); every other text field is one line (:func:`clean_input`)."""


MULTILINE = Multiline()


def _marks_multiline(annotation: Any) -> bool:
    if get_origin(annotation) is Annotated:
        args = get_args(annotation)
        return any(isinstance(m, Multiline) for m in args[1:]) or _marks_multiline(args[0])
    return any(_marks_multiline(arg) for arg in get_args(annotation))


@cache
def multiline_fields(model: type[BaseModel]) -> frozenset[str]:
    """The fields of ``model`` typed as multi-line text (``Lines``, also inside ``| None``)."""
    return frozenset(
        name
        for name, info in model.model_fields.items()
        if any(isinstance(m, Multiline) for m in info.metadata) or _marks_multiline(info.annotation)
    )


def _clean(value: Any, multiline: bool) -> Any:
    if isinstance(value, str):
        return clean_text(value, multiline=multiline)
    if isinstance(value, list | tuple):
        return [_clean(v, multiline) for v in value]
    return value


def clean_input(model: type[BaseModel], data: Mapping[str, Any]) -> dict[str, Any]:
    """The one input boundary for typed text (issue 16): every string given to ``model``
    without control or invisible format characters (:func:`careDesk.text.clean_text`), keeping
    line breaks only in fields typed multi-line."""
    multiline = multiline_fields(model)
    return {k: _clean(v, k in multiline) for k, v in data.items()}


# ----- the types ------------------------------------------------------------------------------
Lines = Annotated[str, MULTILINE]  # text that keeps its line breaks
Phone = Annotated[str, AfterValidator(check_phone)]
ServicePhone = Annotated[str, AfterValidator(_service_or_phone)]
Email = Annotated[str, AfterValidator(check_email)]
Day = Annotated[date, BeforeValidator(_typed_date), AfterValidator(_in_range)]
PastDay = Annotated[Day, AfterValidator(_not_future)]
BirthDate = PastDay
UtcTime = Annotated[AwareDatetime, AfterValidator(_aware_utc)]
PastTime = Annotated[UtcTime, AfterValidator(_past_time)]
Dose = Annotated[str, AfterValidator(_dose)]
DoseAmount = Annotated[float, Field(gt=0, le=MAX_DOSE_AMOUNT)]
Minutes = Annotated[int, Field(ge=1, le=600)]
Mrn = Annotated[str, _pattern(_MRN, "use letters, digits and . _ / - only (no spaces)")]
Icd10 = Annotated[str, AfterValidator(_icd10)]
Snomed = Annotated[str, _pattern(_SNOMED, "is not a SNOMED CT code (6 to 18 digits)")]
Loinc = Annotated[str, _pattern(_LOINC, "is not a LOINC code (for example 4548-4)")]
# A LOINC code a check relies on (a planned test's code): a typo would switch the check off.
CheckedLoinc = Annotated[str, AfterValidator(_checked_loinc)]
Language = Annotated[str, AfterValidator(_language)]
LanguageList = Annotated[str, AfterValidator(_language_list)]
TimeZoneName = Annotated[str, AfterValidator(check_time_zone)]
Recurrence = Annotated[str, AfterValidator(_recurrence)]
Schedule = Annotated[str, AfterValidator(_schedule)]
Url = Annotated[str, AfterValidator(_url)]


def one_of(choices: Iterable[str]) -> AfterValidator:
    """A text field that takes one of ``choices`` (any letter case; stored in lower case)."""
    allowed = tuple(str(choice) for choice in choices)

    def check(value: str) -> str:
        cleaned = value.strip().lower()
        if cleaned not in allowed:
            raise ValueError(f"choose one of {', '.join(allowed)}")
        return cleaned

    return AfterValidator(check)
