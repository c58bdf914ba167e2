"""Data files a clinic edits (care plan templates, coordination tables, the measures catalog)
are refused in plain words naming the file and field, never in pydantic's own words ("Input
should be a valid string", issue 19)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from careDesk.care.coordination.tables import MonitoringRules, parse_table
from careDesk.care.measures.catalog import parse_catalog
from careDesk.care.templates.loader import parse_body
from careDesk.errors import ValidationFailed

JARGON = ("Input should", "Field required", "Extra inputs", "Value error", "pydantic")


@pytest.mark.parametrize(
    "refuse",
    [
        lambda: parse_body({"id": "x", "title": 5, "problems": []}, where="clinic.json"),
        lambda: parse_body({"title": "Diabetes"}, where="clinic.json"),
        lambda: parse_table({"version": "one"}, MonitoringRules, where="monitoring.json"),
        lambda: parse_catalog({"measures": 3}, where="measures.json"),
    ],
)
def test_a_data_file_is_refused_in_plain_words(refuse: Callable[[], Any]) -> None:
    with pytest.raises(ValidationFailed) as refused:
        refuse()
    message = refused.value.message
    assert refused.value.where.endswith(".json") and refused.value.field
    assert not any(word in message for word in JARGON), message
