"""Priority weights and thresholds, loaded once from ``risk_weights.json`` (clinic-tunable)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class Weights:
    """The parsed weights file; ``raw`` keeps every section by name."""

    raw: dict[str, Any]

    def section(self, name: str) -> dict[str, Any]:
        value: dict[str, Any] = self.raw[name]
        return value

    def number(self, name: str) -> float:
        return float(self.raw[name])

    def names(self, name: str) -> frozenset[str]:
        return frozenset(self.raw[name])

    def max_without_urgent(self) -> float:
        """The most points a patient can reach without an urgent alert."""
        r = self.raw
        return float(
            r["charlson"]["max_points"]
            + r["lace"]["high_points"]
            + r["utilization"]["max_points"]
            + r["polypharmacy"]["hyper_points"]
            + max(r["phq9_band_points"].values())
            + max(r["gad7_band_points"].values())
            + sum(r["social_need_points"].values())
            + r["overdue"]["max_points"]
            + _measures_max(r["measures"])
        )


def _measures_max(m: dict[str, Any]) -> float:
    """Uncontrolled A1c and BP, and in each score registry the larger of "not improving" and
    the candidate reason, plus "no score in 30 days" (issue 17)."""
    per_registry = max(m["not_improving"], m["candidate_not_improving"]) + m["no_recent_score"]
    uncontrolled = m["a1c_uncontrolled"] + m["bp_uncontrolled"]
    return float(uncontrolled + m["score_registries"] * per_registry)


def parse(data: dict[str, Any]) -> Weights:
    """Check the weights keep "urgent alerts first" true, then wrap them."""
    weights = Weights(data)
    if weights.number("urgent_alert_points") <= weights.max_without_urgent():
        raise ValueError("risk_weights.json: urgent_alert_points must exceed every other sum")
    return weights


@cache
def default_weights() -> Weights:
    """The shipped weights."""
    text = resources.files("careDesk.care.risk").joinpath("risk_weights.json").read_text("utf-8")
    return parse(json.loads(text))


def hyperpolypharmacy_at() -> int:
    """Active medicines that make "hyperpolypharmacy" (≥ 10, Masnoon N et al., BMC Geriatr
    2017;17:230): the worklist's points, the pharmacist-review suggestion and the demo data's
    pharmacist all read this one number."""
    return int(default_weights().section("polypharmacy")["hyper_at"])
