"""The one rule per kind of value (careDesk/model/fields.py), case by case."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from careDesk.care.forms.base import updating
from careDesk.model.fields import (
    check_email,
    check_phone,
    parse_birth_date,
    parse_date,
    phone_digits,
    split_extension,
)
from careDesk.model.team import CareTeamMemberBase


@pytest.mark.parametrize(
    "phone",
    [
        "555 0102",  # a North American local number: 7 digits (NANP)
        "555 0102 ext 4",
        "+1 (555) 010-2030 x12",
        "(713) 555-0141 extension 22",
        "555.010.2345 #7",
        "+683 4002",  # Niue: country code and a 4-digit number, 7 digits (ITU-T E.164)
        "+44 20 7946 0958",
        "+86 138 0013 8000",  # 13 digits
    ],
)
def test_phone_numbers_people_write_are_taken(phone: str) -> None:
    assert check_phone(phone) == phone


@pytest.mark.parametrize(
    "phone",
    [
        "123",
        "911",  # only the resource directory lists service lines (ServicePhone)
        "555 010",
        "555 0102 ext",
        "ext 12",
        "555-CALL-NOW",
        "555 0102 + 4",
        "1234567890123456",  # 16 digits: more than E.164 allows
    ],
)
def test_numbers_that_reach_no_one_are_refused(phone: str) -> None:
    with pytest.raises(ValueError) as caught:
        check_phone(phone)
    assert phone not in str(caught.value)


def test_the_search_digits_drop_the_extension_and_the_north_american_one() -> None:
    assert split_extension("555 0102 ext 4") == ("555 0102", "4")
    assert phone_digits("+1 (555) 010-2030 x12") == "5550102030"
    assert phone_digits("555.010.2345") == "5550102345"
    assert phone_digits("+44 20 7946 0958") == "442079460958"
    assert phone_digits("") is None and phone_digits(None) is None


@pytest.mark.parametrize(
    "email",
    [
        "rosa@example.org",
        "rosa.munoz+clinic@correo.example.mx",
        "o'brien@example.ie",  # RFC 5322 atext allows the apostrophe
        "josé@ejemplo.es",  # RFC 6531 internationalised local part
        "ana@xn--bcher-kva.example",
        "a@b.co",
    ],
)
def test_addresses_mail_can_reach_are_taken(email: str) -> None:
    assert check_email(email) == email


@pytest.mark.parametrize(
    "email",
    [
        "a@b.c",  # no top-level domain has one letter (IANA root zone)
        "rosa@example",  # one label
        "rosa@example.123",  # an all-digit TLD (RFC 3696 §2)
        "rosa at example.org",
        "rosa@@example.org",
        ".rosa@example.org",  # a dot-atom does not start with a dot (RFC 5322 §3.2.3)
        "rosa..munoz@example.org",
        "rosa@-example.org",  # a label does not start with a hyphen (RFC 1035 §2.3.1)
        "rosa@[192.0.2.1]",  # address literals are refused on purpose
        '"rosa munoz"@example.org',  # and quoted local parts
        f"{'r' * 65}@example.org",  # local part over 64 (RFC 5321 §4.5.3.1.1)
        f"rosa@{'e' * 250}.org",  # address over 254
    ],
)
def test_addresses_mail_cannot_reach_are_refused(email: str) -> None:
    with pytest.raises(ValueError, match="e-mail address"):
        check_email(email)


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("2026-12-02", date(2026, 12, 2)),
        ("12/02/2026", date(2026, 12, 2)),  # US: month first
        ("2/3/2026", date(2026, 2, 3)),
        (" 2026-2-3 ", date(2026, 2, 3)),
        ("02/29/2024", date(2024, 2, 29)),
    ],
)
def test_dates_are_typed_iso_or_month_first(typed: str, day: date) -> None:
    assert parse_date(typed) == day


@pytest.mark.parametrize(
    "typed", ["31/12/2020", "2/3/26", "2026/12/02", "02/29/2023", "12-02-2026", "0226-01-01", ""]
)
def test_anything_else_is_not_a_date(typed: str) -> None:
    with pytest.raises(ValueError):
        parse_date(typed)


def test_a_birth_date_is_not_in_the_future() -> None:
    tomorrow = date.today() + timedelta(days=1)
    with pytest.raises(ValueError, match="future"):
        parse_birth_date(tomorrow.isoformat())
    assert parse_birth_date("04/30/1962") == date(1962, 4, 30)


def test_an_update_form_is_the_base_all_optional_with_the_same_rules() -> None:
    update = updating(CareTeamMemberBase, "MemberChanges")
    assert set(update.model_fields) == set(CareTeamMemberBase.model_fields)
    assert update.required == {"name", "role", "lead"}  # NOT NULL columns: not cleared
    assert update.parse(phone="555 0102 ext 4").changes() == {"phone": "555 0102 ext 4"}
    assert update.parse({}).changes() == {}
    assert update.parse(email="").changes() == {"email": None}
