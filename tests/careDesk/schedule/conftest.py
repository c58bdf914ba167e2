"""Fixtures for reminders and outreach: patients in a real vault, loopback SMTP and SMS servers."""

from __future__ import annotations

import itertools
import json
import socket
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from careDesk.desk import Desk
from careDesk.model.fields import phone_digits
from careDesk.model.patient import FamilyMember, Patient
from tests.careDesk.schedule import imap_server

_MRNS = itertools.count(1)


def add_patient(desk: Desk, **overrides: Any) -> Patient:
    """Insert a patient row directly (the registry service is tested elsewhere)."""
    fields: dict[str, Any] = {
        "mrn": f"T{next(_MRNS):06d}",
        "given_name": "Rosa",
        "family_name": "Muñoz",
        "birth_date": date(1950, 3, 2),
        "language": "es",
        "phone": "+1 555 010 2030",
        "email": "rosa@example.org",
        "address_line": "1 Main St",
        "status": "active",
        "consent_program": True,
        "consent_email": True,
        "consent_sms": True,
        "preferred_channel": "email",
    }
    fields.update(overrides)
    if "phone_digits" not in overrides:
        fields["phone_digits"] = phone_digits(fields["phone"])  # as the registry stores it
    with desk.writing() as tx:
        patient = Patient(**fields)
        tx.add(patient, kind="patient", patient_id=patient.id)
    return patient


def add_caregiver(desk: Desk, patient: Patient, **overrides: Any) -> FamilyMember:
    """A caregiver the patient agreed may get messages, told about appointments, by text."""
    fields: dict[str, Any] = {
        "name": "Ana Muñoz",
        "relationship": "daughter",
        "caregiver": True,
        "phone": "+1 555 010 7788",
        "email": "ana@example.org",
        "may_be_told": "appointments",
        "receives_messages": True,
        "consent_sms": True,
        "consent_email": True,
        "consent_whatsapp": True,
        "preferred_channel": "sms",
        "language": "es",
    }
    fields.update(overrides)
    return desk.patients.add_family(patient.id, **fields).value


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.arrived = threading.Event()
        self.hold: threading.Event | None = None  # when set, DATA waits on it (mid-send tests)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(
            {"to": list(envelope.rcpt_tos), "data": envelope.content.decode("utf-8", "replace")}
        )
        self.arrived.set()
        if self.hold is not None:
            import asyncio

            while not self.hold.is_set():
                await asyncio.sleep(0.01)
        return "250 OK"


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture
def smtp_server(inbox: Inbox, smtp_port: int) -> Iterator[Controller]:
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    yield controller
    controller.stop()


def configure_smtp(desk: Desk, port: int) -> None:
    desk.settings.set("clinic.name", "Riverside Clinic")
    desk.settings.set("clinic.phone", "555-0100")
    desk.settings.set("smtp.host", "127.0.0.1")
    desk.settings.set("smtp.port", str(port))
    desk.settings.set("smtp.security", "none")
    desk.settings.set("smtp.sender", "care@riverside.example")


class Gateway:
    """A loopback SMS gateway that honours Idempotency-Key, like real providers' APIs, and
    lists the replies it received (GET /inbox: [{id, from, body, received_at}])."""

    def __init__(self) -> None:
        self.inbound: list[Any] = []
        self.inbox_auth: list[str | None] = []
        self.requests: list[dict[str, Any]] = []
        self.seen_keys: set[str] = set()
        self.status = 200
        self.arrived = threading.Event()
        self.hold: threading.Event | None = None
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                gateway.inbox_auth.append(self.headers.get("Authorization"))
                data = json.dumps(gateway.inbound).encode()
                self.send_response(200 if self.path == "/inbox" else 404)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length))
                key = self.headers.get("Idempotency-Key", "")
                if gateway.status == 200 and key not in gateway.seen_keys:
                    gateway.seen_keys.add(key)
                    gateway.requests.append(
                        {"body": body, "key": key, "auth": self.headers.get("Authorization")}
                    )
                    gateway.arrived.set()
                if gateway.hold is not None:
                    gateway.hold.wait(30)
                self.send_response(gateway.status)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        self.inbox_url = f"http://127.0.0.1:{self.server.server_address[1]}/inbox"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Gateway:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    with Gateway() as g:
        yield g


class WhatsAppApi:
    """A loopback WhatsApp Business Cloud API: POST {base}/messages (bearer token) answers
    ``{"messages": [{"id": "wamid…"}]}`` as Meta's does; GET {base}/relay lists replies as the
    clinic's relay would."""

    PHONE_ID = "106540352242922"

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.replies: list[Any] = []
        self.status = 200
        self.arrived = threading.Event()
        self.hold: threading.Event | None = None
        self.ids = itertools.count(1)
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.end_headers()
                self.wfile.write(json.dumps(api.replies).encode())

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length))
                if api.status != 200 or not self.path.endswith(f"/{api.PHONE_ID}/messages"):
                    self.send_response(api.status if api.status != 200 else 404)
                    self.end_headers()
                    self.wfile.write(b'{"error": {"code": 131000}}')
                    return
                wamid = f"wamid.TEST{next(api.ids):04d}"
                api.requests.append(
                    {"body": body, "auth": self.headers.get("Authorization"), "id": wamid}
                )
                api.arrived.set()
                if api.hold is not None:
                    api.hold.wait(30)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                answer = {
                    "messaging_product": "whatsapp",
                    "contacts": [{"input": body.get("to"), "wa_id": body.get("to")}],
                    "messages": [{"id": wamid}],
                }
                self.wfile.write(json.dumps(answer).encode())

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.url = f"{base}/v21.0/{self.PHONE_ID}"
        self.relay_url = f"{base}/relay"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> WhatsAppApi:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def whatsapp_api() -> Iterator[WhatsAppApi]:
    with WhatsAppApi() as api:
        yield api


def configure_whatsapp(desk: Desk, api: WhatsAppApi) -> None:
    configure_smtp(desk, 25)  # clinic name and phone
    desk.settings.set("whatsapp.url", api.url)
    desk.settings.set("whatsapp.token", "EAAG-test-token")
    desk.settings.set("whatsapp.inbox_url", api.relay_url)
    desk.settings.set(
        "whatsapp.template.appointment_reminder", "en=visit_reminder es=aviso_cita:es_MX"
    )
    desk.settings.set("whatsapp.template.follow_up_checkin", "checkin_v2")
    desk.settings.set("whatsapp.template.caregiver_appointment_reminder", "caregiver_visit")
    desk.settings.set("whatsapp.template.help_reply", "clinic_help")


@pytest.fixture
def imap() -> Iterator[imap_server.ImapServer]:
    server = imap_server.start()
    yield server
    server.stop()


def configure_imap(desk: Desk, server: imap_server.ImapServer) -> None:
    desk.settings.set("imap.host", "127.0.0.1")
    desk.settings.set("imap.port", str(server.port))
    desk.settings.set("imap.user", imap_server.USER)
    desk.settings.set("imap.password", imap_server.PASSWORD)
    desk.settings.set("imap.ca_file", str(server.ca_file))
