"""Conflicts the clinic server reports back: kept for the review list, and for clinical records
a review follow-up ("clinical fields in conflict keep the server value", issue 10)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from careDesk.model.patient import Patient
from careDesk.model.schedule import FollowUp
from careDesk.model.sync import SyncConflict
from careDesk.sync.reports import ConflictView, conflict_view
from careDesk.sync.tables import table

if TYPE_CHECKING:
    from careDesk.desk import Tx

REVIEW_KIND = "sync_review"
REVIEW_TITLES = {
    # Two workstations registered one MRN while apart: both records stay until a person
    # merges them (the same patient) or corrects one (a typing slip).
    "duplicate": "Another patient has the same MRN: merge the records or correct one",
}


def record(tx: Tx, c: dict[str, Any]) -> None:
    """Keep a conflict the server reported (once), and for a clinical record raise a review
    follow-up, which reaches every workstation."""
    if tx.session.execute(
        select(col(SyncConflict.id)).where(SyncConflict.server_id == c["id"])
    ).first():
        return
    tx.session.add(
        SyncConflict(
            server_id=c["id"],
            table_name=c["table"],
            row_id=c["row_id"],
            patient_id=c.get("patient_id"),
            field=c["field"],
            kind=c["kind"],
            mine=json.dumps(c.get("mine")),
            theirs=json.dumps(c.get("theirs")),
            clinical=bool(c["clinical"]),
        )
    )
    if c["clinical"] and c.get("patient_id"):
        # A clinical field changed on two workstations: the server kept its value and a
        # person decides (issue 10). The task names no patient data.
        review = FollowUp(
            patient_id=c["patient_id"],
            kind=REVIEW_KIND,
            title=REVIEW_TITLES.get(c["kind"], "Review a change made on two workstations at once"),
            due_at=tx.now,
            urgent=False,
            origin="sync",
        )
        tx.add(review, kind="follow_up", patient_id=c["patient_id"])


# The column that tells a person which of a patient's records a conflict is about, the first
# a table has: a medicine's name, a condition's display, an allergy's substance…
LABELS = ("name", "display", "substance", "title", "description", "instrument", "reason", "kind")
LABEL_LENGTH = 60


def views(session: Session, rows: list[SyncConflict]) -> list[ConflictView]:
    """The conflicts as the review list shows them: each with its patient's name and MRN and a
    word on which record it is (a record since deleted here has none)."""
    ids = {r.patient_id for r in rows if r.patient_id}
    names = {
        p.id: f"{p.family_name}, {p.given_name} (MRN {p.mrn})"
        for p in session.execute(select(Patient).where(col(Patient.id).in_(ids))).scalars()
    }
    records: dict[tuple[str, str], str] = {}
    for name in {r.table_name for r in rows}:
        try:
            t = table(name)
        except KeyError:
            continue
        label = next((t.c[c] for c in LABELS if c in t.c), None)
        if label is None:
            continue
        wanted = [r.row_id for r in rows if r.table_name == name]
        for row_id, value in session.execute(select(t.c.id, label).where(t.c.id.in_(wanted))):
            text = str(value or "").strip()
            records[(name, row_id)] = text if len(text) <= LABEL_LENGTH else text[:59] + "…"
    return [
        conflict_view(
            r, names.get(r.patient_id or "", ""), records.get((r.table_name, r.row_id), "")
        )
        for r in rows
    ]
