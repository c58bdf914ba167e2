"""Assessment instruments (PHQ-9, PHQ-2, GAD-7, AUDIT-C, CMS AHC-HRSN core) as data, with
scoring: one registry every other part reads (``catalog.py``)."""

from careDesk.care.instruments.catalog import (
    CutOff,
    FollowOn,
    Instrument,
    Item,
    Option,
    all_instruments,
    by_loinc,
    instrument,
    instrument_ids,
    registry,
    short_name,
)
from careDesk.care.instruments.scoring import (
    Scored,
    check_answers,
    domain_labels,
    required_items,
    score,
    score_total,
    skipped,
)

__all__ = [
    "CutOff",
    "FollowOn",
    "Instrument",
    "Item",
    "Option",
    "Scored",
    "all_instruments",
    "by_loinc",
    "check_answers",
    "domain_labels",
    "instrument",
    "instrument_ids",
    "registry",
    "required_items",
    "score",
    "score_total",
    "short_name",
    "skipped",
]
