"""The patient registry: create and update patients, enrollment, consent, coordinator, story,
family and caregivers (``desk.patients``).

Every change needs the EDIT permission (checked here, in the core), runs in one transaction,
writes one audit event naming the fields changed (never their values) and returns an
:class:`~careDesk.changes.Outcome` with the read model and what changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from pydantic import computed_field
from sqlmodel import Session, col, select

from careDesk.care.forms.base import Form, ReadModel, refuse
from careDesk.care.forms.patient import (
    CONSENT_RULES,
    PATIENT_RULES,
    ConsentUpdate,
    FamilyMemberCreate,
    FamilyMemberUpdate,
    PatientCreate,
    PatientUpdate,
    StoryUpdate,
    check_rules,
    consent_defaults,
)
from careDesk.care.verb_kit import (
    add_audited,
    apply,
    live,
    record_change,
    tombstone_audited,
    update_audited,
)
from careDesk.changes import Outcome
from careDesk.model.fields import phone_digits
from careDesk.model.patient import FamilyMember, Patient, PatientBase, ProgramStatus
from careDesk.model.security import User
from careDesk.security.roles import Permission, Role

if TYPE_CHECKING:
    from careDesk.care.chart import Chart
    from careDesk.care.search import PatientRow
    from careDesk.desk import Desk, Tx

Data = Form | Mapping[str, Any] | None

# The enrollment workflow (docs/architecture.md#the-care-process-in-the-code). A candidate may
# decline (→ discharged); an enrolled
# patient may leave before care starts (moved, died) and is then discharged too.
TRANSITIONS: dict[str, frozenset[str]] = {
    ProgramStatus.CANDIDATE: frozenset({ProgramStatus.ENROLLED, ProgramStatus.DISCHARGED}),
    ProgramStatus.ENROLLED: frozenset({ProgramStatus.ACTIVE, ProgramStatus.DISCHARGED}),
    ProgramStatus.ACTIVE: frozenset({ProgramStatus.DISCHARGED, ProgramStatus.TRANSITIONED}),
}


class PatientRead(PatientBase, ReadModel):
    """A patient as the app shows them: the record plus age and the coordinator's name."""

    id: str
    version: int
    updated_at: datetime
    age: int
    coordinator_name: str | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def name(self) -> str:
        """The name as lists show it: "Family, Given"."""
        return f"{self.family_name}, {self.given_name}"


def check_transition(current: str, target: str) -> None:
    """Refuse a status change the enrollment workflow does not allow (:data:`TRANSITIONS`)."""
    if target not in TRANSITIONS.get(current, frozenset()):
        raise refuse("status", f"cannot go from {current} to {target}")


def age_on(birth: date, day: date) -> int:
    """Completed years between ``birth`` and ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def read_patient(session: Session, patient: Patient) -> PatientRead:
    """The read model of ``patient`` (age today, or at death)."""
    coordinator = session.get(User, patient.coordinator_id) if patient.coordinator_id else None
    return PatientRead.of(
        patient,
        age=age_on(patient.birth_date, patient.deceased_on or date.today()),
        coordinator_name=coordinator.display_name if coordinator else None,
    )


def _check_mrn(session: Session, mrn: str, patient_id: str | None) -> None:
    query = select(Patient.id, Patient.deleted_at).where(Patient.mrn == mrn)
    for other_id, deleted_at in session.exec(query):
        if other_id != patient_id:
            whom = "a removed patient record" if deleted_at else "another patient"
            raise refuse("mrn", f"{whom} already has this MRN")


def _coordinator(session: Session, user_id: str) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise refuse("coordinator_id", "no user with this id")
    if user.disabled:
        raise refuse("coordinator_id", "this user's account is disabled")
    if user.role == Role.READ_ONLY:
        raise refuse("coordinator_id", "a read-only user cannot coordinate care")
    return user


class Patients:
    """Verbs on the patient registry (``desk.patients``)."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    # ----- reading ---------------------------------------------------------------------------
    def get(self, patient_id: str) -> PatientRead:
        """One patient's read model (:class:`NotFound` if missing or removed)."""
        self.desk.require(Permission.READ)
        with self.desk.reading() as session:
            return read_patient(session, live(session, Patient, patient_id, "patient"))

    def names(self, patient_ids: Iterable[str]) -> dict[str, str]:
        """ "Family, Given" for each live patient among ``patient_ids`` (a list of work shows
        names; one query per 500 patients, not one per row)."""
        self.desk.require(Permission.READ)
        wanted, found = sorted(set(patient_ids)), dict[str, str]()
        with self.desk.reading() as session:
            for start in range(0, len(wanted), 500):
                rows = session.exec(
                    select(Patient.id, Patient.family_name, Patient.given_name)
                    .where(col(Patient.id).in_(wanted[start : start + 500]))
                    .where(col(Patient.deleted_at).is_(None))
                )
                found.update((pid, f"{family}, {given}") for pid, family, given in rows)
        return found

    def search(self, text: str, limit: int = 50) -> list[PatientRow]:
        """Patients by name prefix (accent-insensitive), MRN, phone or birth date."""
        from careDesk.care.search import search_patients

        self.desk.require(Permission.READ)
        with self.desk.reading() as session:
            return search_patients(session, text, limit=limit)

    def chart(self, patient_id: str) -> Chart:
        """Everything a chart shows, in one call; the chart open is audited."""
        from careDesk.care.chart import open_chart

        return open_chart(self.desk, patient_id)

    def reload_chart(self, patient_id: str) -> Chart:
        """The chart again for a chart that is already open (after a change to it): the
        same data as :meth:`chart`, without a second ``chart.open`` audit event."""
        from careDesk.care.chart import reload_chart

        return reload_chart(self.desk, patient_id)

    def family(self, patient_id: str) -> list[FamilyMember]:
        """The patient's family members and caregivers (caregivers first)."""
        self.desk.require(Permission.READ)
        with self.desk.reading() as session:
            live(session, Patient, patient_id, "patient")
            return list_family(session, patient_id)

    # ----- the patient -----------------------------------------------------------------------
    def create(self, data: Data = None, /, **fields: Any) -> Outcome[PatientRead]:
        """Register a new patient (status candidate unless given)."""
        self.desk.require(Permission.EDIT)
        form = PatientCreate.parse(data, **fields)
        values = consent_defaults(form.to_record(), form.model_fields_set, date.today())
        if values["status"] in (ProgramStatus.ENROLLED, ProgramStatus.ACTIVE):
            values["enrolled_on"] = values["enrolled_on"] or date.today()
        check_rules(PATIENT_RULES, values, values.keys())
        values["phone_digits"] = phone_digits(values["phone"])
        with self.desk.writing() as tx:
            _check_mrn(tx.session, values["mrn"], None)
            if values["coordinator_id"]:
                _coordinator(tx.session, values["coordinator_id"])
            patient = Patient(**values)
            if patient.status != ProgramStatus.CANDIDATE:
                patient.status_changed_at = tx.now
            tx.add(patient, kind="patient", patient_id=patient.id)
            record_change(
                tx,
                "patient.create",
                patient,
                kind="patient",
                patient_id=patient.id,
                fields=form.model_fields_set,
                touch=False,
            )
            return Outcome(read_patient(tx.session, patient), tx.changes)

    def update(self, patient_id: str, data: Data = None, /, **fields: Any) -> Outcome[PatientRead]:
        """Change identity, contacts or preferences; only the fields given change."""
        self.desk.require(Permission.EDIT)
        values = PatientUpdate.parse(data, **fields).changes()
        if "phone" in values:
            values["phone_digits"] = phone_digits(values["phone"])
        with self.desk.writing() as tx:
            patient = live(tx.session, Patient, patient_id, "patient")
            check_rules(PATIENT_RULES, patient.model_dump() | values, values.keys())
            if "mrn" in values:
                _check_mrn(tx.session, values["mrn"], patient.id)
            return self._save(tx, patient, values, "patient.update")

    def remove(self, patient_id: str) -> Outcome[PatientRead]:
        """Remove a patient entered in error (a tombstone: the row stays, hidden everywhere)."""
        self.desk.require(Permission.EDIT)
        with self.desk.writing() as tx:
            patient = live(tx.session, Patient, patient_id, "patient")
            tombstone_audited(tx, "patient.remove", patient, kind="patient")
            return Outcome(read_patient(tx.session, patient), tx.changes)

    def set_status(
        self, patient_id: str, status: str, *, on: date | None = None
    ) -> Outcome[PatientRead]:
        """Move along candidate → enrolled → active → discharged/transitioned."""
        self.desk.require(Permission.EDIT)
        try:
            target = ProgramStatus(status)
        except ValueError:
            choices = ", ".join(s.value for s in ProgramStatus)
            raise refuse("status", f"choose one of {choices}") from None
        if on is not None and on > date.today():
            raise refuse("enrolled_on", "cannot be in the future")
        with self.desk.writing() as tx:
            patient = live(tx.session, Patient, patient_id, "patient")
            if patient.status == target:
                return Outcome(read_patient(tx.session, patient), tx.changes)
            check_transition(patient.status, target)
            values: dict[str, Any] = {"status": target.value, "status_changed_at": tx.now}
            if target == ProgramStatus.ENROLLED:
                if not patient.consent_program:
                    raise refuse("consent_program", "record program consent before enrolling")
                values["enrolled_on"] = on or date.today()
            detail_from = patient.status
            outcome = self._save(tx, patient, values, "patient.status", audit=False)
            tx.audit(
                "patient.status",
                entity="patient",
                entity_id=patient.id,
                patient_id=patient.id,
                detail={"from": detail_from, "to": target.value},
            )
            return outcome

    def enroll(self, patient_id: str, *, on: date | None = None) -> Outcome[PatientRead]:
        """Enroll a candidate who consented to the program (``on`` defaults to today)."""
        return self.set_status(patient_id, ProgramStatus.ENROLLED, on=on)

    def set_consent(
        self, patient_id: str, data: Data = None, /, **fields: Any
    ) -> Outcome[PatientRead]:
        """Record program consent (with its date) and consent per channel."""
        self.desk.require(Permission.EDIT)
        values = ConsentUpdate.parse(data, **fields).changes()
        with self.desk.writing() as tx:
            patient = live(tx.session, Patient, patient_id, "patient")
            merged = consent_defaults(patient.model_dump() | values, set(values), date.today())
            check_rules(CONSENT_RULES, merged, values.keys())
            values = {key: merged[key] for key in (*values, "consent_program_on")}
            return self._save(tx, patient, values, "patient.consent")

    def assign_coordinator(self, patient_id: str, user_id: str | None) -> Outcome[PatientRead]:
        """Name the patient's care coordinator (``None`` clears it)."""
        self.desk.require(Permission.EDIT)
        with self.desk.writing() as tx:
            patient = live(tx.session, Patient, patient_id, "patient")
            if user_id is not None:
                _coordinator(tx.session, user_id)
            return self._save(tx, patient, {"coordinator_id": user_id}, "patient.coordinator")

    def set_story(
        self, patient_id: str, data: Data = None, /, **fields: Any
    ) -> Outcome[PatientRead]:
        """What matters to the patient, their own goals, lifestyle and family support."""
        self.desk.require(Permission.EDIT)
        values = StoryUpdate.parse(data, **fields).changes()
        with self.desk.writing() as tx:
            patient = live(tx.session, Patient, patient_id, "patient")
            return self._save(tx, patient, values, "patient.story")

    def _save(
        self, tx: Tx, patient: Patient, values: dict[str, Any], action: str, audit: bool = True
    ) -> Outcome[PatientRead]:
        changed = apply(patient, values)
        if changed:
            tx.touch(patient, kind="patient", patient_id=patient.id)
            if audit:
                record_change(
                    tx,
                    action,
                    patient,
                    kind="patient",
                    patient_id=patient.id,
                    fields=changed,
                    touch=False,
                )
        return Outcome(read_patient(tx.session, patient), tx.changes)

    # ----- family and caregivers -------------------------------------------------------------
    def add_family(
        self, patient_id: str, data: Data = None, /, **fields: Any
    ) -> Outcome[FamilyMember]:
        """Add a family member or caregiver, with what they may be told."""
        self.desk.require(Permission.EDIT)
        form = FamilyMemberCreate.parse(data, **fields)
        with self.desk.writing() as tx:
            live(tx.session, Patient, patient_id, "patient")
            member = FamilyMember(**form.to_record(), patient_id=patient_id)
            add_audited(
                tx,
                "family.add",
                member,
                kind="family_member",
                patient_id=patient_id,
                fields=form.model_fields_set,
            )
            return Outcome(member, tx.changes)

    def update_family(
        self, member_id: str, data: Data = None, /, **fields: Any
    ) -> Outcome[FamilyMember]:
        """Change a family member's details, caregiver flag or what they may be told."""
        self.desk.require(Permission.EDIT)
        values = FamilyMemberUpdate.parse(data, **fields).changes()
        with self.desk.writing() as tx:
            member = live(tx.session, FamilyMember, member_id, "family member")
            update_audited(
                tx,
                "family.update",
                member,
                values,
                kind="family_member",
                patient_id=member.patient_id,
            )
            return Outcome(member, tx.changes)

    def remove_family(self, member_id: str) -> Outcome[FamilyMember]:
        """Remove a family member (tombstone)."""
        self.desk.require(Permission.EDIT)
        with self.desk.writing() as tx:
            member = live(tx.session, FamilyMember, member_id, "family member")
            tombstone_audited(tx, "family.remove", member, kind="family_member")
            return Outcome(member, tx.changes)


def list_family(session: Session, patient_id: str) -> list[FamilyMember]:
    """Live family members of a patient, caregivers first, then by name."""
    query = (
        select(FamilyMember)
        .where(FamilyMember.patient_id == patient_id, col(FamilyMember.deleted_at).is_(None))
        .order_by(col(FamilyMember.caregiver).desc(), col(FamilyMember.name))
    )
    return list(session.exec(query))
