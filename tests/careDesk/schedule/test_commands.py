"""``caredesk reminders`` and ``caredesk outbox`` as an admin or a script would run them."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from pypdf import PdfReader

from careDesk.cli.main import main
from careDesk.desk import Desk
from careDesk.model.base import utcnow
from careDesk.model.schedule import Appointment, FollowUp
from tests.careDesk.schedule.conftest import (
    Gateway,
    Inbox,
    add_patient,
    configure_smtp,
    free_port,
)
from tests.conftest import ADMIN, PASSWORD


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def signed_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAREDESK_USER", ADMIN)
    monkeypatch.setenv("CAREDESK_PASSWORD", PASSWORD)


def test_reminders_due_json_lists_overdue_follow_ups(
    desk: Desk, signed_in: None, capsys: pytest.CaptureFixture[str]
) -> None:
    patient = add_patient(desk, given_name="Lan", family_name="Nguyễn")
    with desk.writing() as tx:
        tx.add(
            FollowUp(
                patient_id=patient.id,
                kind="call",
                title="Call about the new inhaler",
                due_at=utcnow() - timedelta(days=1),
            ),
            kind="follow_up",
        )
        tx.add(
            FollowUp(
                patient_id=patient.id,
                kind="visit",
                title="Home visit",
                due_at=utcnow() + timedelta(days=3),
            ),
            kind="follow_up",
        )
    desk.close()
    code, out, err = run(capsys, "reminders", "--due", "--json")
    assert code == 0, err
    rows = json.loads(out)
    assert [(r["title"], r["overdue"], r["patient_name"]) for r in rows] == [
        ("Call about the new inhaler", True, "Lan Nguyễn")
    ]
    code, out, _ = run(capsys, "reminders", "--days", "7")
    assert "Home visit" in out and "overdue" in out


def test_outbox_send_delivers_appointment_reminders(
    desk: Desk,
    signed_in: None,
    capsys: pytest.CaptureFixture[str],
    smtp_server: Controller,
    inbox: Inbox,
    smtp_port: int,
) -> None:
    configure_smtp(desk, smtp_port)
    desk.settings.set("outreach.quiet_start", "00:00")  # no quiet hours for this test
    desk.settings.set("outreach.quiet_end", "00:00")
    patient = add_patient(desk, language="en")
    with desk.writing() as tx:
        tx.add(
            Appointment(
                patient_id=patient.id,
                starts_at=utcnow() + timedelta(hours=30),
                place="Riverside Clinic",
            ),
            kind="appointment",
        )
    desk.close()
    code, out, err = run(capsys, "outbox", "--send")
    assert code == 0, err
    assert "Queued 1 reminder(s); sent 1" in out
    assert len(inbox.messages) == 1
    code, out, _ = run(capsys, "outbox", "--send", "--json")
    assert [m["state"] for m in json.loads(out)] == ["sent"]
    assert len(inbox.messages) == 1  # a second run sends nothing twice


def test_outbox_without_a_vault_is_one_clear_line(
    signed_in: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "outbox")
    assert code == 1
    assert err.startswith("caredesk: No vault in") and err.count("\n") == 1


def test_outbox_prints_letters_and_the_call_list(
    desk: Desk, signed_in: None, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    configure_smtp(desk, 25)
    letter = add_patient(desk, preferred_channel="letter", language="es", given_name="José")
    caller = add_patient(desk, preferred_channel="phone", given_name="Thảo", family_name="Trần")
    desk.outbox.queue(letter.id, "missed_appointment", values={"date": "lunes 30 de noviembre"})
    desk.outbox.queue(caller.id, "follow_up_checkin")
    desk.close()

    code, out, err = run(capsys, "outbox", "--print", "letters", "-o", str(tmp_path / "l.pdf"))
    assert code == 0, err
    text = "".join(page.extract_text() for page in PdfReader(tmp_path / "l.pdf").pages)
    assert "José" in text and "No pudo venir a su cita del lunes 30 de noviembre" in text
    code, out, err = run(capsys, "outbox", "--print", "calls", "-o", str(tmp_path / "c.pdf"))
    assert code == 0, err
    text = " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(tmp_path / "c.pdf").pages
    )
    assert "Thảo Trần" in text and "follow up checkin" in text and "Calls to make: 1" in text
    code, out, _ = run(capsys, "outbox", "--json")
    assert sorted(m["state"] for m in json.loads(out)) == ["sent", "sent"]
    code, _, err = run(capsys, "outbox", "--print", "letters", "-o", str(tmp_path / "x.pdf"))
    assert code == 1 and "no letters are waiting" in err


def test_inbox_fetch_takes_replies_and_a_person_assigns_the_unmatched(
    desk: Desk, signed_in: None, capsys: pytest.CaptureFixture[str], gateway: Gateway
) -> None:
    configure_smtp(desk, 25)
    desk.settings.set("sms.inbox_url", gateway.inbox_url)
    known = add_patient(desk, phone="+1 555 010 2030", mrn="M-100")
    at = utcnow().isoformat()
    gateway.inbound += [
        {"id": "a", "from": "+15550102030", "body": "See you Monday", "received_at": at},
        {"id": "b", "from": "+15559990000", "body": "New phone, it's Rosa", "received_at": at},
    ]
    desk.close()
    code, out, err = run(capsys, "inbox", "--fetch")
    assert code == 0, err
    assert out.startswith("Took 2 repl(ies): 1 matched, 1 for a person to sort.")
    code, out, _ = run(capsys, "inbox", "--unmatched", "--json")
    [waiting] = json.loads(out)
    assert waiting["reason"] == "no one on file has this phone number"
    code, out, err = run(capsys, "inbox", "--assign", waiting["id"], "--to", "M-100")
    assert code == 0, err
    code, out, _ = run(capsys, "inbox", "--json")
    assert sorted((r["state"], r["patient_id"]) for r in json.loads(out)) == [
        ("assigned", known.id),
        ("matched", known.id),
    ]
    code, out, _ = run(capsys, "inbox", "--fetch", "--json")
    assert code == 0 and len(json.loads(out)) == 2  # nothing taken twice


def test_inbox_fetch_names_a_failing_source_and_exits_1(
    desk: Desk, signed_in: None, capsys: pytest.CaptureFixture[str]
) -> None:
    desk.settings.set("sms.inbox_url", f"http://127.0.0.1:{free_port()}/inbox")
    desk.close()
    code, out, err = run(capsys, "inbox", "--fetch")
    assert code == 1 and out.startswith("Took 0 repl(ies)")
    assert err == "caredesk: sms: the sms replies (sms.inbox_url): not reachable (URLError)\n"
