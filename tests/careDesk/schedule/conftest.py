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
from careDesk.model.patient import Patient

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
        "phone_digits": "15550102030",
        "email": "rosa@example.org",
        "address_line": "1 Main St",
        "status": "active",
        "consent_program": True,
        "consent_email": True,
        "consent_sms": True,
        "preferred_channel": "email",
    }
    fields.update(overrides)
    with desk.writing() as tx:
        patient = Patient(**fields)
        tx.add(patient, kind="patient", patient_id=patient.id)
    return patient


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
    """A loopback SMS gateway that honours Idempotency-Key, like real providers' APIs."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.seen_keys: set[str] = set()
        self.status = 200
        self.arrived = threading.Event()
        self.hold: threading.Event | None = None
        gateway = self

        class Handler(BaseHTTPRequestHandler):
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
