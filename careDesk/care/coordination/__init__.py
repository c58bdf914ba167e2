"""Coordination checks (``desk.coordination``): duplicate work and conflicting medicines.

Warnings users asked for (docs/clinical-sources.md#coordination-safeguards): a planned test or
visit that repeats one done (or planned) within its usual interval, unless a guideline calls for
it as the monitoring after a medicine was started or its dose changed; two active medications
sharing an ingredient from different prescribers; two active instructions giving different
doses of the same medicine. Each warning names both of its sources so the coordinator can act
on it.
"""

from careDesk.care.coordination.findings import CoordinationWarning, Source
from careDesk.care.coordination.service import Coordination, check

__all__ = ["Coordination", "CoordinationWarning", "Source", "check"]
