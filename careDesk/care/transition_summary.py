"""The printable transition summary for the next provider (issue 19), built in the core.

Same layer as the referral packet (``interop/packet_content.py`` gathers, ``interop/packet.py``
renders with reportlab and the embedded DejaVu font): who the patient is and how to reach them,
why and to whom care passes, problems, **every active medicine**, **every active allergy**,
recent results, the care plan's goals (of the plan the hand-over completed, if it did), open
referrals, the follow-ups still open or cancelled by the hand-over, and the care team.

An empty medicines or allergies list is never printed as a bare "None recorded": it says that
careDesk holds none and the next provider should confirm with the patient (an absent allergy on a
hand-over is a hazard, not a fact). The PDF is written only where the user chooses, atomically
(a hidden sibling file, then a rename), never to a temporary folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from careDesk.care.care_summary import goal_line, latest_plan_goals, live_rows
from careDesk.care.transitions import REASON_WORDS
from careDesk.care.verb_kit import live
from careDesk.errors import CareDeskError
from careDesk.interop.packet_content import PacketContent, Section, gather
from careDesk.model.patient import Patient
from careDesk.model.schedule import FollowUp
from careDesk.model.timeline import Transition
from careDesk.security.roles import Permission

if TYPE_CHECKING:
    from careDesk.desk import Desk

TITLE = "Transition of care summary"
NO_MEDICINES = "No active medicines recorded in careDesk: confirm with the patient"
NO_ALLERGIES = "No allergies recorded in careDesk: confirm with the patient"


def _latest_transition(session: Session, pid: str) -> Transition | None:
    return session.exec(
        select(Transition)
        .where(Transition.patient_id == pid, col(Transition.deleted_at).is_(None))
        .order_by(col(Transition.on_date).desc(), col(Transition.id).desc())
    ).first()


def _reason(t: Transition | None) -> Section:
    header = ["Date", "What", "Reason", "To", "Summary"]
    if t is None:
        return ("Reason for transition", header, [["", "not yet recorded", "", "", ""]])
    row = [
        f"{t.on_date:%Y-%m-%d}",
        "transition of care" if t.outcome == "transitioned" else "discharge from the program",
        REASON_WORDS.get(t.reason, t.reason),
        t.to_provider or "",
        t.summary,
    ]
    return ("Reason for transition", header, [row])


def _follow_ups(session: Session, pid: str, t: Transition | None) -> Section:
    """Open follow-ups, and those the hand-over cancelled (``transitions.py`` closes them with
    "Cancelled. <outcome>: <reason>"): work the next provider may need to pick up."""
    rows = [
        [f"{f.due_at:%Y-%m-%d}", f.title, "open"]
        for f in live_rows(session, FollowUp, pid, col(FollowUp.status) == "open",
                           order=col(FollowUp.due_at))
    ]  # fmt: skip
    if t is not None:
        words = f"Cancelled. {t.outcome.capitalize()}: {REASON_WORDS.get(t.reason, t.reason)}"
        cancelled = live_rows(
            session, FollowUp, pid, col(FollowUp.status) == "cancelled",
            col(FollowUp.result) == words, order=col(FollowUp.due_at),
        )  # fmt: skip
        rows += [[f"{f.due_at:%Y-%m-%d}", f.title, "closed at hand-over"] for f in cancelled]
    return ("Follow-ups to pick up", ["Due", "What", "State"], rows)


def transition_content(session: Session, patient: Patient, *, clinic: str = "") -> PacketContent:
    """Everything the next provider needs, as titled tables (rendering is separate)."""
    pid = patient.id
    content = gather(session, patient, clinic=clinic)
    parts = {title: (header, rows) for title, header, rows in content.sections}
    t = _latest_transition(session, pid)
    street = (patient.address_line or "").splitlines()
    address = ", ".join(x for x in (*street, patient.city, patient.postal_code) if x)
    content.heading.insert(3, f"Address: {address or 'not recorded'}")
    medicines = parts["Medicines"][1] or [[NO_MEDICINES, "", ""]]
    allergies = parts["Allergies"][1] or [[NO_ALLERGIES, "", ""]]
    goals = [[goal_line(g)] for g in latest_plan_goals(session, pid)]
    content.sections = [
        _reason(t),
        ("Problems", *parts["Problems"]),
        ("Medicines (active)", parts["Medicines"][0], medicines),
        ("Allergies", parts["Allergies"][0], allergies),
        ("Recent results", *parts["Recent results"]),
        ("Care plan goals", ["Goal"], goals),
        ("Open referrals", *parts["Reason for referral"]),
        _follow_ups(session, pid, t),
        ("Care team contacts", *parts["Care team"]),
    ]
    return content


def transition_pdf(session: Session, patient: Patient, *, clinic: str = "") -> bytes:
    """The transition summary as PDF bytes (the referral packet's renderer)."""
    from careDesk.interop.packet import render

    return render(transition_content(session, patient, clinic=clinic), title=TITLE)


def _clinic_name(desk: Desk) -> str:
    try:
        return str(desk.settings.get("clinic.name") or "")
    except CareDeskError:
        return ""  # a role that may not read settings still prints, without the clinic name


def save_transition_summary(desk: Desk, patient_id: str, out: Path) -> Path:
    """Write the patient's transition summary to ``out`` (where the user chose), audited as an
    export; a failure names the file and leaves no partial file behind."""
    from careDesk.interop.service import write_atomically

    desk.require(Permission.EXPORT)
    clinic = _clinic_name(desk)
    with desk.reading() as session:
        patient = live(session, Patient, patient_id, "patient")
        pdf = transition_pdf(session, patient, clinic=clinic)
    written = write_atomically(out, pdf)
    with desk.writing(Permission.EXPORT) as tx:
        tx.audit(
            "export.transition_summary",
            entity="patient",
            entity_id=patient_id,
            patient_id=patient_id,
            detail={"bytes": len(pdf)},
        )
    return written
