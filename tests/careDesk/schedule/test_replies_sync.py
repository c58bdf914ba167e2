"""A STOP taken on one workstation holds messages waiting on another (real clinic server).

Replies and the outbox stay on the workstation that fetched or queued them; the consent a STOP
withdrew and the opt-out of its number replicate, and every message is checked again when it
is sent.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from careDesk.model.base import utcnow
from tests.careDesk.schedule.conftest import Gateway, configure_smtp
from tests.pg_fixtures import Workstation


def _texts(ws: Workstation, gateway: Gateway) -> None:
    configure_smtp(ws.desk, 25)
    ws.desk.settings.set("sms.url", gateway.url)
    ws.desk.settings.set("sms.inbox_url", gateway.inbox_url)
    ws.desk.settings.set("outreach.quiet_start", "00:00")
    ws.desk.settings.set("outreach.quiet_end", "00:00")


def _text(gateway: Gateway, ident: str, body: str) -> None:
    gateway.inbound.append(
        {"id": ident, "from": "+15550102030", "body": body, "received_at": utcnow().isoformat()}
    )


def test_a_stop_fetched_on_one_desk_holds_what_another_desk_queued(
    make_workstation: Callable[[str], Workstation], gateway: Gateway
) -> None:
    a, b = make_workstation("anna"), make_workstation("ben")
    for ws in (a, b):
        ws.sync()
        _texts(ws, gateway)
    pid = a.desk.patients.create(
        mrn="S-20",
        given_name="Grace",
        family_name="Okafor",
        birth_date=date(1944, 9, 9),
        phone="+1 555 010 2030",
        consent_sms=True,
        preferred_channel="sms",
    ).value.id
    a.sync()
    b.sync()
    b.desk.outbox.queue(pid, "follow_up_checkin", now=utcnow())  # waiting on Ben's desk

    _text(gateway, "r1", "STOP")
    assert a.desk.inbox.fetch().matched == 1
    a.sync()
    b.sync()
    report = b.desk.outbox.send_due()
    assert (report.sent, report.blocked) == (0, 1)
    assert gateway.requests == []

    _text(gateway, "r2", "START")
    a.desk.inbox.fetch()
    a.sync()
    b.sync()
    b.desk.outbox.queue(pid, "refill_reminder", now=utcnow())
    assert b.desk.outbox.send_due().sent == 1
