"""Joining the PHQ-9 pieces of one file into responses, storing each once, raising urgent work.

Pieces belong to one response when one names the other (a panel's ``hasMember``, an
Observation ``derivedFrom`` a QuestionnaireResponse) or when they are of the same patient at
the same moment (loose item Observations beside a total). A response is stored under its
panel, else its total, else its QuestionnaireResponse, else (items alone) under the patient and
the moment, so a re-import finds and updates the same record. Scoring follows Kroenke 2001
(J Gen Intern Med 16:606; docs/clinical-sources.md): with all nine items the total is their
sum; otherwise
the total given, if any, and no missing item is ever inferred. Item 9 ≥ 1 raises the same-day
call and alert (``careDesk.care.urgent``), with or without a total, once per response.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from careDesk.care.instruments import score, score_total
from careDesk.care.urgent import ensure_urgent_work
from careDesk.interop.fhir_context import ImportContext
from careDesk.interop.fhir_phq9 import INSTRUMENT, ITEMS, PANEL, SHARED, Piece
from careDesk.interop.fhir_values import ref_keys
from careDesk.model.assessment import ScreenerResult

RANK = {"panel": 0, "total": 1, "response": 2, "item": 3}
SCORED = frozenset(item.id for item in INSTRUMENT.scored_items)
FIRST_TWO = frozenset(ITEMS[code] for code in SHARED)  # also the PHQ-2 (Kroenke 2003)


def _groups(found: list[Piece]) -> list[list[Piece]]:
    """Pieces joined by reference and by (patient, moment), in file order."""
    parent = list(range(len(found)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(i: int, j: int) -> None:
        parent[root(i)] = root(j)

    by_ref: dict[str, int] = {}
    moments: dict[tuple[str, Any], int] = {}
    for i, piece in enumerate(found):
        keys = [piece.entry.source_id] + (
            ref_keys(piece.entry.full_url) if piece.entry.full_url else []
        )
        by_ref.update(dict.fromkeys(keys, i))
        moment = (piece.patient_id, piece.taken)
        if moment in moments:
            join(i, moments[moment])
        moments.setdefault(moment, i)
    for i, piece in enumerate(found):
        for ref in piece.links:
            j = next((by_ref[k] for k in ref_keys(ref) if k in by_ref), None)
            if j is None:
                continue
            if found[j].patient_id != piece.patient_id:
                raise piece.place.reject("hasMember", "refers to another patient's answers")
            join(i, j)
    groups: dict[int, list[Piece]] = defaultdict(list)
    for i, piece in enumerate(found):
        groups[root(i)].append(piece)
    return list(groups.values())


def _is_phq9(group: list[Piece]) -> bool:
    """Items 1–2 alone may be a PHQ-2 (Kroenke 2003): only more makes a PHQ-9."""
    return any(p.kind != "item" or set(p.answers) - FIRST_TWO for p in group)


def _merged(group: list[Piece]) -> tuple[dict[str, int], int | None]:
    answers: dict[str, int] = {}
    total: int | None = None
    for piece in sorted(group, key=lambda p: p.entry.index):
        for item_id, value in piece.answers.items():
            if answers.setdefault(item_id, value) != value:
                where = piece.fields.get(item_id, "value")
                raise piece.place.reject(where, "answers a PHQ-9 question differently elsewhere")
        if piece.total is not None:
            if total is not None and total != piece.total:
                raise piece.place.reject("value", "gives another PHQ-9 total for one response")
            total = piece.total
    if answers.keys() >= SCORED:
        summed = score(INSTRUMENT, answers).total
        if total is not None and total != summed:
            holder = next(p for p in group if p.total is not None)
            raise holder.place.reject("value", "the total is not the sum of the nine answers")
        total = summed
    return answers, total


def _values(group: list[Piece], anchor: Piece) -> dict[str, Any] | None:
    answers, total = _merged(group)
    if not answers and total is None:
        return None
    blob = next(
        (p.blob for p in group if p.blob is not None and json.loads(p.blob) == answers), None
    )
    scored = score_total(INSTRUMENT, total) if total is not None else None
    return {
        "instrument": INSTRUMENT.id,
        "loinc": PANEL,
        "answers": blob or json.dumps(answers, sort_keys=True),
        "total": total,
        "band": scored.band if scored else None,
        "positive": bool(scored and scored.positive),
        "positive_domains": "[]",
        "taken_at": anchor.taken,
    }


def store(ctx: ImportContext, found: list[Piece]) -> None:
    """Store every PHQ-9 response of the file and raise the urgent work each one needs."""
    raised = 0
    for group in _groups(found):
        for piece in group:
            ctx.report.notes.extend(piece.notes)
        if not _is_phq9(group):
            for piece in group:
                if piece.fallback is not None:
                    piece.fallback()
            continue
        anchor = min(group, key=lambda p: (RANK[p.kind], p.entry.index))
        values = _values(group, anchor)
        if values is None:
            ctx.report.notes.append("A PHQ-9 panel with no answers and no total was skipped.")
            continue
        key = f"PHQ-9 items@{anchor.taken.isoformat()}" if anchor.kind == "item" else None
        row = ctx.upsert_linked(ScreenerResult, anchor.entry, anchor.patient_id, values, key=key)
        work = ensure_urgent_work(ctx.tx, row)
        if work is not None and work.raised:
            raised += 1
            ctx.report.created.update(("follow_up", "alert"))
    if raised:
        ctx.report.notes.append(
            f"{raised} PHQ-9 answer(s) to question 9 (thoughts of self-harm) raised a same-day "
            "call and an urgent alert."
        )
