"""Is the record an import matched by MRN really the same person?

An MRN typed wrong by one digit belongs to someone else. Matching on it alone would overwrite
another patient's name, birth date and contact details (hazard log: the wrong patient). So when
an import finds a patient by MRN, it also compares who they are: a different birth date, or
(where a birth date is missing on either side) both a different given and family name, refuses
the row instead of changing the other patient. A new family name with the same birth date is an
ordinary change (marriage) and goes through.

The rule follows the two-identifier principle of patient identification (The Joint Commission
National Patient Safety Goal NPSG.01.01.01: at least two identifiers, e.g. name and date of
birth); the exact comparison is careDesk's own.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

IDENTITY_CONFLICT = (
    "this MRN belongs to a patient with {what} on file: check the MRN (nothing was changed)"
)


@dataclass(frozen=True)
class Identity:
    """Who a patient record says they are."""

    birth_date: date | None
    given_name: str | None
    family_name: str | None


def _fold(name: str | None) -> str:
    decomposed = unicodedata.normalize("NFKD", (name or "").casefold())
    return "".join(c for c in decomposed if c.isalnum())


def identity_conflict(on_file: Identity, incoming: dict[str, Any]) -> str | None:
    """Why ``incoming`` (import values) is not the patient ``on_file``, or None if it may be."""
    born = incoming.get("birth_date")
    if born is not None and on_file.birth_date is not None:
        if born != on_file.birth_date:
            return IDENTITY_CONFLICT.format(what="another birth date")
        return None
    given, family = _fold(incoming.get("given_name")), _fold(incoming.get("family_name"))
    if not (given and family and on_file.given_name and on_file.family_name):
        return None  # too little to compare: the MRN stands
    if given != _fold(on_file.given_name) and family != _fold(on_file.family_name):
        return IDENTITY_CONFLICT.format(what="another name")
    return None
