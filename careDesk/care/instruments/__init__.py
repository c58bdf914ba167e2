"""Assessment instruments (PHQ-9, PHQ-2, GAD-7, CMS AHC-HRSN core) as data, with scoring."""

from careDesk.care.instruments.catalog import (
    INSTRUMENT_IDS,
    SHORT_NAMES,
    Instrument,
    Item,
    Option,
    all_instruments,
    instrument,
)
from careDesk.care.instruments.scoring import Scored, domain_labels, score

__all__ = [
    "INSTRUMENT_IDS",
    "SHORT_NAMES",
    "Instrument",
    "Item",
    "Option",
    "Scored",
    "all_instruments",
    "domain_labels",
    "instrument",
    "score",
]
