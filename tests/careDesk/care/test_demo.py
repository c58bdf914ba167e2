"""The demo clinic: deterministic for a seed, and it has the mix a demo needs to show."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlmodel import Session, col, func, select

from careDesk.care.demo import DemoSummary, generate_demo, generator
from careDesk.care.instruments import instrument, score
from careDesk.care.urgent import missing
from careDesk.desk import Desk
from careDesk.errors import PermissionDenied, ValidationFailed
from careDesk.model.assessment import ScreenerResult
from careDesk.model.clinical import Condition, Medication
from careDesk.model.patient import Patient
from careDesk.model.schedule import Appointment, FollowUp
from careDesk.model.security import AuditEvent
from careDesk.ops import Cancelled, Progress
from careDesk.paths import VaultPaths
from careDesk.schedule import matching
from careDesk.security.roles import Role
from careDesk.store import keyslots
from careDesk.store.vault import create_vault, unlock
from tests.conftest import PASSWORD

TODAY = date(2026, 3, 10)
# Noon in Houston on TODAY (CDT, UTC−5): the demo's fixed "now".
NOW = datetime(2026, 3, 10, 17, 0, tzinfo=UTC)
# ICD-10-CM: letter, digit, digit or A/B, then optionally a dot and 1–4 characters.
ICD10 = re.compile(r"^[A-TV-Z][0-9][0-9AB](\.[0-9A-TV-Z]{1,4})?$")
SLOTS = {"morning", "noon", "evening", "bedtime"}
FAST_ARGON2 = {"time_cost": 1, "memory_cost": 8192, "parallelism": 1}  # as the fast_kdf fixture


def _demo(desk: Desk, patients: int = 200, seed: int = 42) -> DemoSummary:
    return generate_demo(
        desk, patients=patients, seed=seed, today=TODAY, coordinator_password=PASSWORD
    )


def _fingerprint(desk: Desk, patients: int) -> str:
    """Names, birth dates, ids, conditions and medicines of the first patients, hashed."""
    last = f"DM{patients:07d}"
    with desk.reading() as s:
        people = s.exec(
            select(
                Patient.id,
                Patient.mrn,
                Patient.given_name,
                Patient.family_name,
                Patient.birth_date,
                Patient.status,
            )
            .where(col(Patient.mrn) <= last)
            .order_by(col(Patient.mrn))
        ).all()
        ids = [p[0] for p in people]
        conditions = s.exec(
            select(Condition.patient_id, Condition.icd10)
            .where(col(Condition.patient_id).in_(ids))
            .order_by(col(Condition.id))
        ).all()
        medicines = s.exec(
            select(Medication.patient_id, Medication.name, Medication.slots)
            .where(col(Medication.patient_id).in_(ids))
            .order_by(col(Medication.id))
        ).all()
    payload = json.dumps([list(map(str, r)) for r in [*people, *conditions, *medicines]])
    return hashlib.sha256(payload.encode()).hexdigest()


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    """One 200-patient demo vault (seed 42, fixed today) for the tests that only read it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(keyslots, "ARGON2_DEFAULTS", FAST_ARGON2)
        folder = tmp_path_factory.mktemp("demo") / "vault"
        desk, _recovery = create_vault(VaultPaths(folder), "admin", PASSWORD)
        _demo(desk)
    yield desk
    desk.close()


@pytest.fixture
def clinic(desk: Desk) -> Desk:
    """A small demo vault of this test's own (for tests that change it)."""
    _demo(desk, patients=20)
    return desk


def _other_vault(tmp_path: Path, name: str) -> Desk:
    other, _recovery = create_vault(VaultPaths(tmp_path / name), "admin", PASSWORD)
    return other


def test_same_seed_gives_the_same_clinic(shared: Desk, tmp_path: Path, fast_kdf: None) -> None:
    # Each patient has its own random stream, so 40 patients are the first 40 of the 200.
    again = _other_vault(tmp_path, "again")
    different = _other_vault(tmp_path, "different")
    try:
        _demo(again, patients=40)
        _demo(different, patients=40, seed=43)
        assert _fingerprint(again, 40) == _fingerprint(shared, 40)
        assert _fingerprint(different, 40) != _fingerprint(shared, 40)
    finally:
        again.close()
        different.close()


def _count(s: Session, sql: str, **params: object) -> int:
    return int(s.execute(text(sql), params).scalar_one())


def test_names_from_several_languages_with_their_accents(shared: Desk) -> None:
    with shared.reading() as s:
        rows = s.exec(select(Patient.language, Patient.family_name, Patient.given_name)).all()
    languages = {language for language, _f, _g in rows}
    assert {"en", "es", "vi"} <= languages
    spanish = {family for language, family, _g in rows if language == "es"}
    vietnamese = {family for language, family, _g in rows if language == "vi"}
    assert any(ch in "".join(spanish) for ch in "áéíóúñ")
    assert "Nguyễn" in vietnamese
    assert any(
        re.search("[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", f.lower())
        for f in vietnamese - {"Nguyễn"}
    )


def test_caseload_has_the_promised_mix(shared: Desk) -> None:
    with shared.reading() as s:
        statuses = set(s.exec(select(Patient.status)).all())
        sms = _count(s, "SELECT count(*) FROM patient WHERE consent_sms AND phone IS NOT NULL")
        email = _count(s, "SELECT count(*) FROM patient WHERE consent_email AND email LIKE '%@%'")
        overdue = s.exec(
            select(func.count()).where(FollowUp.status == "open", col(FollowUp.due_at) < NOW)
        ).one()
        soon = s.exec(
            select(Appointment).where(
                col(Appointment.starts_at) > NOW,
                col(Appointment.starts_at) < NOW + timedelta(days=7),
                Appointment.status == "scheduled",
            )
        ).all()
        polypharmacy = _count(
            s,
            "SELECT count(*) FROM (SELECT patient_id FROM medication WHERE status = 'active'"
            " GROUP BY patient_id HAVING count(*) >= 10)",
        )
    assert {"candidate", "enrolled", "active", "discharged"} <= statuses
    assert sms >= 50 and email >= 20
    assert overdue >= 10
    assert len(soon) >= 20
    assert any(a.telehealth_url for a in soon) and any(a.transport_needed for a in soon)
    assert polypharmacy >= 1


def test_outbox_has_real_work_patients_with_consent_and_an_appointment_soon(shared: Desk) -> None:
    with shared.reading() as s:
        ready = _count(
            s,
            "SELECT count(DISTINCT p.id) FROM patient p JOIN appointment a ON a.patient_id = p.id"
            " WHERE (p.consent_sms OR p.consent_email) AND a.status = 'scheduled'"
            " AND a.starts_at > :now AND a.starts_at < :week",
            now=NOW.strftime("%Y-%m-%d %H:%M"),
            week=(NOW + timedelta(days=7)).strftime("%Y-%m-%d %H:%M"),
        )
    assert ready >= 10


def test_codes_and_medication_timing_are_well_formed(shared: Desk) -> None:
    with shared.reading() as s:
        conditions = s.exec(select(Condition)).all()
        medicines = s.exec(select(Medication)).all()
    assert conditions and all(ICD10.match(c.icd10 or "") for c in conditions)
    assert all(c.snomed and c.snomed.isdigit() for c in conditions)
    for med in medicines:
        slots = set(filter(None, med.slots.split(",")))
        assert slots <= SLOTS
        assert slots or med.every_hours or med.as_needed, med.name
        assert med.times_per_day in (None, len(slots))
        assert med.ingredient and med.dose and med.purpose


def test_screeners_score_as_the_instruments_do(shared: Desk) -> None:
    with shared.reading() as s:
        results = s.exec(select(ScreenerResult)).all()
        item9 = _count(s, "SELECT count(*) FROM alert WHERE kind = 'phq9_item9'")
        reviews = _count(s, "SELECT count(*) FROM follow_up WHERE origin = 'hrsn_physically_hurt'")
    assert {"phq9", "gad7", "ahc_hrsn"} <= {r.instrument for r in results}
    with shared.reading() as s:
        sexes = dict(s.exec(select(Patient.id, Patient.sex)).all())
    for result in results:
        # AUDIT-C's cut-off depends on sex (Bradley 2007): score as the patient's record says.
        answers, sex = json.loads(result.answers), sexes[result.patient_id]
        scored = score(instrument(result.instrument), answers, sex=sex)
        assert (result.total, result.band, result.positive) == (
            scored.total,
            scored.band,
            scored.positive,
        )
        assert json.loads(result.positive_domains) == list(scored.positive_domains)
    urgent = [r for r in results if r.instrument == "phq9" and json.loads(r.answers)["phq9_9"]]
    assert item9 == len(urgent)
    # careDesk's own rule, not CMS: "physically hurt" other than Never (1) opens a private review
    hurt = [
        r
        for r in results
        if r.instrument == "ahc_hrsn" and json.loads(r.answers)["safety_hurt"] > 1
    ]
    assert reviews == len(hurt)
    with shared.reading() as s:
        calls = s.exec(select(FollowUp).where(FollowUp.origin == "phq9_item9")).all()
        assert missing(s) == []  # sync would raise nothing more for the demo's answers
    assert len(calls) == len(urgent) and all("PHQ-9 item 9 answered" in c.title for c in calls)


def test_clinic_staff_settings_audit_and_risk(shared: Desk) -> None:
    coordinators = [u for u in shared.users.list() if u.role == Role.COORDINATOR]
    assert len(coordinators) == 4
    assert shared.settings.get("clinic.name")
    with shared.reading() as s:
        events = s.exec(select(AuditEvent).where(AuditEvent.action == "demo.generate")).all()
        scored = _count(s, "SELECT count(*) FROM risk_score")
        per_patient = _count(s, "SELECT count(*) FROM audit_event WHERE patient_id IS NOT NULL")
    assert len(events) == 1
    assert json.loads(events[0].detail)["patients"] == 200
    assert per_patient == 0
    assert scored == 200


def test_filling_again_adds_new_patients_after_the_first(clinic: Desk) -> None:
    summary = _demo(clinic, patients=20)
    assert (summary.first_mrn, summary.last_mrn) == ("DM0000021", "DM0000040")
    assert summary.created_users == []  # the coordinators are reused
    with clinic.reading() as s:
        assert _count(s, "SELECT count(DISTINCT id) FROM patient") == 40


def test_bulk_rows_store_times_and_dates_as_the_orm_does(clinic: Desk) -> None:
    with clinic.reading() as s:
        demo = s.exec(select(FollowUp).where(FollowUp.origin == "demo")).first()
        person = s.exec(select(Patient)).first()
    assert demo is not None and person is not None
    with clinic.writing() as tx:
        # Same instant, written through the ORM in another time zone.
        local = demo.due_at.astimezone(ZoneInfo("America/Chicago"))
        copy = FollowUp(patient_id=demo.patient_id, kind="call", title="Copy", due_at=local)
        tx.add(copy, kind="follow_up")
        twin = Patient(mrn="ORM-1", given_name="A", family_name="B", birth_date=person.birth_date)
        tx.add(twin, kind="patient")
    with clinic.reading() as s:
        due = dict(
            s.execute(
                text("SELECT title, due_at FROM follow_up WHERE id IN (:a, :b)"),
                {"a": demo.id, "b": copy.id},
            ).all()
        )
        born = (
            s.execute(
                text("SELECT birth_date FROM patient WHERE mrn IN ('ORM-1', :m)"), {"m": person.mrn}
            )
            .scalars()
            .all()
        )
    assert due["Copy"] == due[demo.title]
    assert len(set(born)) == 1


def test_only_an_admin_may_generate(clinic: Desk, vault_paths: VaultPaths) -> None:
    coordinator = unlock(vault_paths, "maria.lopez", PASSWORD, readonly=True)
    try:
        with pytest.raises(PermissionDenied):
            generate_demo(coordinator, patients=5)
    finally:
        coordinator.close()


def test_patient_count_is_checked(desk: Desk) -> None:
    with pytest.raises(ValidationFailed) as caught:
        generate_demo(desk, patients=0)
    assert caught.value.field == "patients"


def test_whatsapp_patients_caregivers_and_shared_phone_replies(shared: Desk) -> None:
    """Issue 20: the demo has WhatsApp patients and caregivers who get messages, and replies
    from a phone a patient shares with their spouse, waiting for a person to sort."""
    with shared.reading() as s:
        on_whatsapp = _count(s, "SELECT count(*) FROM patient WHERE preferred_channel = 'whatsapp'")
        caregivers = _count(
            s,
            "SELECT count(*) FROM family_member WHERE receives_messages AND caregiver"
            " AND (consent_sms OR consent_whatsapp) AND phone IS NOT NULL",
        )
        waiting = shared.inbox.unmatched()
        shared_by = [len(matching.candidates(s, "sms", r.sender)) for r in waiting]
    assert on_whatsapp >= 5 and caregivers >= 10
    assert len(waiting) >= 2
    assert all(r.reason == "2 people on file share this phone number" for r in waiting)
    assert set(shared_by) == {2}  # the reason is true: the patient and their spouse


def test_the_outbox_gets_whatsapp_and_caregiver_reminders_to_send(desk: Desk) -> None:
    _demo(desk, patients=80)
    assert desk.outbox.queue_appointment_reminders(days_ahead=7, now=NOW) >= 10
    queued = [r for r in desk.outbox.messages(limit=2000) if r.state == "queued"]
    assert any(r.channel == "whatsapp" for r in queued)
    assert any(r.family_member_id for r in queued)


def test_a_stopped_demo_keeps_what_it_committed_with_its_audit_event(desk: Desk) -> None:
    """The demo commits in short chunks (a save can come between them); stopped after the
    first, that chunk's patients stay, and the run is audited once, as stopped."""
    progress = Progress()
    progress.listen(lambda p: p.cancel() if p.done else None)  # Stop once a chunk is in
    with pytest.raises(Cancelled):
        generate_demo(
            desk,
            patients=300,
            seed=42,
            today=TODAY,
            coordinator_password=PASSWORD,
            progress=progress,
        )
    with desk.reading() as s:
        made = _count(s, "SELECT count(*) FROM patient WHERE mrn GLOB 'DM*'")
        events = s.exec(select(AuditEvent).where(AuditEvent.action == "demo.generate")).all()
    assert made == generator.FIRST_CHUNK
    assert len(events) == 1
    detail = json.loads(events[0].detail)
    assert (detail["patients"], detail["stopped"]) == (made, True)
