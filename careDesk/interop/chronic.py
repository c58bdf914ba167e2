"""Is an imported condition chronic? FHIR has no such flag and Synthea marks none.

Rule, first match wins:
1. careDesk's own ``chronic`` extension (a careDesk export says so explicitly);
2. the SNOMED CT code is in ``chronic_codes.json`` (CMS CCW / AHRQ Chronic Condition Indicator
   conditions) or in the risk engine's SNOMED → Charlson map when that file exists, so every
   condition that can score in Charlson also counts as chronic;
3. the ICD-10-CM code starts with a prefix in ``chronic_codes.json``;
4. the words say so: "chronic" → chronic, "acute" → not;
5. a SNOMED "(disorder)" term that has not resolved (no abatement, status active) → chronic;
6. otherwise not chronic (findings, injuries, situations, resolved episodes).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

_HERE = Path(__file__).parent
RISK_MAP = _HERE.parent / "care" / "risk" / "snomed_charlson.json"


@cache
def _curated() -> tuple[frozenset[str], tuple[str, ...]]:
    data = json.loads((_HERE / "chronic_codes.json").read_text(encoding="utf-8"))
    return frozenset(data["snomed"]), tuple(data["icd10_prefixes"])


@cache
def _charlson_snomed() -> frozenset[str]:
    """SNOMED ids anywhere in the risk engine's map (its layout is the risk engine's own)."""
    if not RISK_MAP.exists():
        return frozenset()
    try:
        data = json.loads(RISK_MAP.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return frozenset()
    found: set[str] = set()

    def walk(node: Any) -> None:
        """Collect digit strings that look like SNOMED CT ids."""
        if isinstance(node, dict):
            for key, value in node.items():
                walk(key)
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str) and node.isdigit() and 6 <= len(node) <= 18:
            found.add(node)

    walk(data)
    return frozenset(found)


def is_chronic(
    *,
    snomed: str | None,
    icd10: str | None,
    display: str,
    abated: bool,
    status: str,
    flagged: bool | None = None,
) -> bool:
    """Apply the rule in the module docstring."""
    if flagged is not None:
        return flagged
    codes, prefixes = _curated()
    if snomed and (snomed in codes or snomed in _charlson_snomed()):
        return True
    if icd10 and icd10.replace(".", "").upper().startswith(prefixes):
        return True
    words = display.lower()
    if "chronic" in words:
        return True
    if "acute" in words:
        return False
    return "(disorder)" in words and not abated and status == "active"
