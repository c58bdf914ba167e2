"""Clinic settings that hold a phone number, an e-mail address or a time zone follow the same
rule as every form (careDesk/model/fields.py): the clinic's number prints on every handout."""

from __future__ import annotations

import pytest

from careDesk.desk import Desk
from careDesk.errors import ValidationFailed


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("clinic.phone", "123"),
        ("clinic.phone", "call the front desk"),
        ("smtp.sender", "a@b.c"),
        ("clinic.timezone", "Mars/Base"),
        # found by trying it: taken when set, refused only at the first sync
        ("sync.url", "http://clinic-server.example/caredesk"),
        ("sync.url", "clinic-server:5432"),
    ],
)
def test_a_value_the_form_rules_refuse_is_refused_naming_the_setting(
    desk: Desk, key: str, value: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        desk.settings.set(key, value)
    assert caught.value.field == key and value not in str(caught.value)
    assert desk.settings.get(key) == ""  # nothing was written


def test_values_the_form_rules_take_are_kept_as_typed(desk: Desk) -> None:
    desk.settings.set("clinic.phone", "(713) 555-0100 ext 2")
    desk.settings.set("smtp.sender", "care@riverside.example")
    desk.settings.set("clinic.phone", "")  # clearing a setting is always allowed
    assert desk.settings.get("clinic.phone") == ""
    assert desk.settings.get("smtp.sender") == "care@riverside.example"
