"""Identify: Charlson (Quan 2005 coding; 1987 and 2011 weights), LACE, and the priority engine."""

from careDesk.care.risk.charlson import CharlsonResult, charlson, charlson_from_codes
from careDesk.care.risk.engine import RiskEngine, RiskView, refresh, refresh_all, refresh_changed
from careDesk.care.risk.lace import LaceResult, lace

__all__ = [
    "CharlsonResult",
    "LaceResult",
    "RiskEngine",
    "RiskView",
    "charlson",
    "charlson_from_codes",
    "lace",
    "refresh",
    "refresh_all",
    "refresh_changed",
]
