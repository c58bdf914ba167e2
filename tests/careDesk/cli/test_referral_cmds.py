"""``caredesk referrals [--late] [--mine] [--json]``: the open-referrals queue."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from careDesk.desk import Desk
from tests.careDesk.care.support_records import make_patient
from tests.careDesk.cli.conftest import Cli
from tests.conftest import ADMIN, PASSWORD


@pytest.fixture
def ids(desk: Desk) -> dict[str, str]:
    today = date.today()
    rosa = make_patient(desk, "R-1", given_name="Rosa", family_name="Muñoz")
    lan = make_patient(
        desk, "R-2", given_name="Lan", family_name="Nguyễn", coordinator_id=desk.user.id
    )
    late = desk.referrals.create(
        rosa.id, to_name="Cardiology", reason="HF", expected_by=today - timedelta(days=4)
    ).value.id
    due = desk.referrals.create(
        lan.id, to_name="Eye clinic", reason="Retina", expected_by=today + timedelta(days=2)
    ).value.id
    done = desk.referrals.create(
        lan.id, to_name="Podiatry", reason="Foot", expected_by=today - timedelta(days=9)
    ).value.id
    desk.referrals.end(done, "declined", reason="Patient prefers her own podiatrist")
    desk.close()
    return {"late": late, "due": due}


def test_referrals_json_is_late_first(ids: dict[str, str], cli: Cli) -> None:
    code, out, _ = cli("referrals", "--json", CAREDESK_USER=ADMIN, CAREDESK_PASSWORD=PASSWORD)
    assert code == 0
    rows = json.loads(out)
    assert [r["id"] for r in rows] == [ids["late"], ids["due"]]  # the declined one is gone
    assert (rows[0]["days_late"], rows[0]["patient"], rows[0]["next"]) == (4, "Muñoz, Rosa", "sent")
    assert rows[1]["days_late"] == 0


def test_referrals_text_says_its_scope(ids: dict[str, str], cli: Cli) -> None:
    env = {"CAREDESK_USER": ADMIN, "CAREDESK_PASSWORD": PASSWORD}
    code, out, _ = cli("referrals", "--late", **env)
    assert code == 0
    assert out.splitlines()[0] == "1 late open referral of every patient in the clinic."
    assert "Muñoz, Rosa" in out and "4d late" in out and "Nguyễn" not in out
    code, out, _ = cli("referrals", "--mine", **env)
    assert out.splitlines()[0] == "1 open referral of the patients you coordinate."
    assert "Nguyễn, Lan" in out and "Muñoz" not in out
