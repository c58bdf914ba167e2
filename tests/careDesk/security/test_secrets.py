"""Secret settings (issue 16): readable by admins only, in the core; services still use them.

docs/security.md: "setting secrets (SMTP, SMS, sync passwords) are readable by admins only". A
coordinator's session sends e-mail and SMS with the clinic's password and token without ever
being able to read them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from careDesk.desk import Desk
from careDesk.errors import PermissionDenied, SecretRefused, ValidationFailed
from careDesk.model.security import Setting
from careDesk.paths import VaultPaths
from careDesk.settings import DECLARED
from careDesk.store.vault import unlock
from tests.careDesk.schedule.conftest import Gateway, add_patient, configure_smtp

NOON = datetime(2026, 11, 25, 17, 0, tzinfo=UTC)
COORD_PW = "violet kettle morning 7"
SECRETS = sorted(k for k, d in DECLARED.items() if d.secret)


@pytest.fixture
def coordinator(desk: Desk, vault_paths: VaultPaths) -> Desk:
    for key in SECRETS:
        desk.settings.set(key, f"value-of-{key}")
    desk.settings.set_personal("sync.password", "kim", "kims-own-server-password")
    desk.users.add("kim", COORD_PW, "coordinator")
    return unlock(vault_paths, "kim", COORD_PW, readonly=True)


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    """A loopback SMS gateway (as in the outbox tests)."""
    with Gateway() as g:
        yield g


def test_the_declared_secrets_are_the_ones_design_names() -> None:
    assert SECRETS == [
        "imap.password",
        "sms.token",
        "smtp.password",
        "sync.password",
        "whatsapp.token",
    ]


@pytest.mark.parametrize("key", SECRETS)
def test_a_coordinator_cannot_read_a_secret(desk: Desk, coordinator: Desk, key: str) -> None:
    with pytest.raises(SecretRefused, match=f"{key} is a secret: only a clinic admin") as refused:
        coordinator.settings.get(key)
    assert isinstance(refused.value, PermissionDenied)
    assert "value-of" not in refused.value.message
    with pytest.raises(SecretRefused):
        coordinator.settings.display(key)
    assert coordinator.settings.is_set(key)  # that it is set is not a secret
    assert coordinator.settings.all()[key] == "(set)"
    assert "value-of" not in repr(coordinator.settings.all())
    assert desk.settings.get(key) == f"value-of-{key}"  # the admin can
    coordinator.close()


def test_a_personal_secret_is_refused_too(desk: Desk, coordinator: Desk) -> None:
    for login in ("kim", "admin"):
        with pytest.raises(SecretRefused):
            coordinator.settings.personal("sync.password", login)
    assert coordinator.settings.personal_is_set("sync.password", "kim")
    assert coordinator.sync.server().my_password  # what the sync page shows
    assert desk.settings.personal("sync.password", "kim") == "kims-own-server-password"
    coordinator.close()


def test_a_coordinator_sends_sms_with_the_token_it_cannot_read(
    desk: Desk, vault_paths: VaultPaths, gateway: Gateway
) -> None:
    configure_smtp(desk, 25)
    desk.settings.set("sms.url", gateway.url)  # http:// to loopback: allowed for tests
    desk.settings.set("sms.token", "gateway-token-7")
    patient = add_patient(desk, preferred_channel="sms")
    desk.users.add("kim", COORD_PW, "coordinator")
    desk.close()
    kim = unlock(vault_paths, "kim", COORD_PW)
    with pytest.raises(SecretRefused):
        kim.settings.get("sms.token")
    kim.outbox.queue(patient.id, "follow_up_checkin", now=NOON)
    assert kim.outbox.send_due(NOON).sent == 1
    assert [r["auth"] for r in gateway.requests] == ["Bearer gateway-token-7"]
    kim.close()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://sms.example.org/send", "use https:// (plain http:// would send"),
        ("file:///etc/passwd", "use an https:// web address"),
        ("ftp://sms.example.org/", "use an https:// web address"),
        ("https://", "use an https:// web address"),
        ("https://sms.example.org:99999/", "not a valid web address"),
        ("https://sms.example.org/\nHost: evil", "no spaces or control characters"),
    ],
)
def test_sms_url_must_be_https(desk: Desk, url: str, reason: str) -> None:
    desk.settings.set("sms.url", "https://sms.example.org/send")
    with pytest.raises(ValidationFailed, match=re.escape(reason)) as refused:
        desk.settings.set("sms.url", url)
    assert refused.value.field == "sms.url"
    assert desk.settings.get("sms.url") == "https://sms.example.org/send"  # unchanged


@pytest.mark.parametrize("key", ["sms.inbox_url", "whatsapp.url", "whatsapp.inbox_url"])
def test_every_address_careDesk_talks_to_is_https_only(desk: Desk, key: str) -> None:
    """Issue 20: the WhatsApp API, its reply relay and the SMS gateway's reply list follow the
    sms.url rule (a token and patients' words travel in them)."""
    assert DECLARED[key].outbound_url
    with pytest.raises(ValidationFailed, match="use https://") as refused:
        desk.settings.set(key, "http://relay.example.org/replies")
    assert refused.value.field == key
    desk.settings.set(key, "http://127.0.0.1:8080/replies")
    desk.settings.set(key, "https://relay.example.org/replies")
    assert desk.settings.get(key) == "https://relay.example.org/replies"


@pytest.mark.parametrize(
    "url", ["https://sms.example.org/send", "http://127.0.0.1:8080/x", "http://localhost/x",
            "http://[::1]:9000/x", ""],
)  # fmt: skip
def test_https_and_loopback_urls_are_accepted(desk: Desk, url: str) -> None:
    desk.settings.set("sms.url", url)
    assert desk.settings.get("sms.url") == url


def test_an_old_plain_http_url_is_refused_at_send_time(desk: Desk, gateway: Gateway) -> None:
    """A vault from before the rule may hold http://: nothing is sent, and staff see why."""
    configure_smtp(desk, 25)
    with desk.writing(None) as tx:  # stored as an older careDesk would have stored it
        tx.session.add(Setting(key="sms.url", value="http://sms.example.org/send"))
    patient = add_patient(desk, preferred_channel="sms")
    desk.outbox.queue(patient.id, "follow_up_checkin", now=NOON)
    report = desk.outbox.send_due(NOON)
    assert report.sent == 0 and report.retrying == 1
    [row] = desk.outbox.messages(patient_id=patient.id)
    assert row.reason is not None and "sms.url: use https://" in row.reason
    assert gateway.requests == []
