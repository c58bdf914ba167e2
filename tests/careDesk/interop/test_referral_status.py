"""A referral's FHIR ServiceRequest status says whether it was carried out (issue 19 endings).

FHIR R4 request-status (hl7.org/fhir/R4/valueset-request-status.html): "completed" for a
request carried out, "revoked" for one withdrawn before it was; a declined or missed referral
must not reach the next provider as done."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from careDesk.interop.fhir_export_plans import service_request
from careDesk.model.referral import Referral

AT = datetime(2026, 5, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("state", "ending", "report_at", "status"),
    [
        ("sent", None, None, "active"),
        ("closed", "completed", AT, "completed"),
        ("closed", "declined", None, "revoked"),
        ("closed", "no_show", None, "revoked"),
        ("closed", "cancelled", None, "revoked"),
        ("closed", None, AT, "completed"),  # closed before endings, report back
        ("closed", None, None, "revoked"),  # closed before endings, no report
    ],
)
def test_the_status_follows_how_the_referral_ended(
    state: str, ending: str | None, report_at: datetime | None, status: str
) -> None:
    row = Referral(
        patient_id="p",
        to_name="Cardiology",
        reason="HF",
        state=state,
        ending=ending,
        report_at=report_at,
    )
    exported = service_request(row)
    assert exported["status"] == status
    if ending:
        assert ending in str(exported["extension"])  # how it ended travels with it
