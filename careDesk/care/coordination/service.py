"""The coordination service: every check for one patient, read in one snapshot."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from careDesk.care.coordination.findings import CoordinationWarning
from careDesk.care.coordination.medicine_checks import medicine_pairs, plan_doses
from careDesk.care.coordination.monitoring import changes, dose_edits
from careDesk.care.coordination.repeat_tests import repeat_tests
from careDesk.care.coordination.visits import repeat_visits
from careDesk.model.base import utcnow
from careDesk.model.clinical import Medication, Observation
from careDesk.model.plan import Activity
from careDesk.model.schedule import Appointment
from careDesk.security.roles import Permission

if TYPE_CHECKING:
    from careDesk.desk import Desk

OPEN_ACTIVITY = ("planned", "in_progress")


def check(session: Session, patient_id: str, now: datetime) -> list[CoordinationWarning]:
    """Every coordination warning for one patient, as of ``now``."""

    def rows(model: Any, *where: Any) -> list[Any]:
        query = select(model).where(
            model.patient_id == patient_id, col(model.deleted_at).is_(None), *where
        )
        return list(session.exec(query))

    acts = rows(Activity, col(Activity.status).in_(OPEN_ACTIVITY))
    every_med: list[Medication] = sorted(  # oldest first, so warnings read in a stable order
        rows(Medication), key=lambda m: (m.start_date or date.min, m.name, m.id)
    )
    meds = [m for m in every_med if m.status == "active"]
    obs = rows(Observation, col(Observation.loinc).is_not(None))
    visits = rows(Appointment, col(Appointment.status).in_(("completed", "scheduled")))
    started = changes(every_med, dose_edits(session, patient_id))
    return [
        *repeat_tests(acts, obs, now.date(), started),
        *repeat_visits(acts, visits, now),
        *medicine_pairs(meds),
        *plan_doses(acts, meds),
    ]


class Coordination:
    """Coordination safeguards on the desk."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def warnings(
        self, patient_id: str, *, now: datetime | None = None
    ) -> list[CoordinationWarning]:
        """The patient's coordination warnings (duplicate work, conflicting medicines)."""
        self.desk.require(Permission.READ)
        with self.desk.reading() as session:
            return check(session, patient_id, now or utcnow())
