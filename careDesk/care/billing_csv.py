"""Minutes for billing as CSV (``desk.billing.export_csv`` writes it; ``caredesk billing --csv``).

One row per patient-month-category with the columns in :data:`CSV_COLUMNS`. A cell that a
spreadsheet would run as a formula is written with a leading apostrophe (OWASP, "CSV
Injection"): patient names and notes are typed text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from careDesk.care.billing import BillingRow

CSV_COLUMNS = (
    "month",
    "patient_id",
    "mrn",
    "name",
    "category",
    "minutes",
    "clinical_staff_minutes",
    "physician_qhp_minutes",
    "uncounted_minutes",
    "codes",
    "next_threshold",
    "minutes_to_next",
    "near_threshold",
    "missing",
    "notes",
)


def _cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula (OWASP CSV injection)."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def billing_csv(rows: Sequence[BillingRow]) -> str:
    """The rows as CSV text (header :data:`CSV_COLUMNS`)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        step = r.next_step
        writer.writerow(
            _cell(v)
            for v in (
                r.month, r.patient_id, r.mrn, r.name, r.category, r.minutes, r.staff_minutes,
                r.practitioner_minutes, r.uncounted_minutes, r.code_text(),
                "" if step is None else step.code, "" if step is None else step.short,
                "yes" if r.near else "no", "; ".join(r.missing), "; ".join(r.notes),
            )
        )  # fmt: skip
    return out.getvalue()
