"""What the sync service hands the screens and the command line: status, reports, conflicts
to review, server settings, and the words its progress reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from careDesk.model.sync import SyncConflict

# What a sync is doing, as its Progress message (careDesk/ops/progress.py), with done of total
# (total 0 when not known): outbox entries sent, rows of a first sync copied, changes received.
SENDING = "Sending changes"
COPYING = "Copying the clinic to this workstation"
RECEIVING = "Receiving changes"
# A first sync building a table's indexes once its rows are in (1-2 s for the observations of
# a 50,000-patient clinic), with the rows copied so far of all.
INDEXING = "Indexing the records copied so far"
STAGES = {"send": SENDING, "snapshot": COPYING, "receive": RECEIVING}
# What every screen says while a first sync has not finished (SyncStatus.incomplete), before
# how to finish it (the Sync page; ``caredesk sync``).
INCOMPLETE = (
    "This workstation's first sync has not finished: it may not have every record of the "
    "clinic yet, so a patient's allergies, medicines or measurements can be missing here."
)

# The last attempt's outcome as the core keeps it, so attempts made before this session or by
# the background sync show too.
LAST_ERROR = {
    "offline": "Offline at the last attempt: changes wait here until the next sync.",
    "refused": "The server refused the last sync (the reason is shown when you sync).",
    "refused-login": "The server refused the last sync: check the login.",
    "refused-certificate": "The server's certificate could not be checked: check the CA file.",
    "refused-database": "The server has no such database or login: check the settings.",
    "refused-clinic": "The login is another clinic's than this workstation's records: use one"
    " of this clinic's.",
    "upgrade": "This workstation needs a newer careDesk.",
    "server-upgrade": "The clinic server needs upgrading (caredesk sync --setup-server).",
}


@dataclass(frozen=True)
class SyncStatus:
    """What the status bar shows."""

    enabled: bool
    last_sync_at: datetime | None
    pending: int
    offline: bool
    open_conflicts: int
    client_id: str | None
    last_error: str | None = None  # offline, refused or upgrade, from the last attempt
    last_attempt_at: datetime | None = None
    # The first sync began (this vault captures its edits) and has not finished: the vault may
    # hold only part of the clinic's records (a patient without the allergies, medicines or
    # measurements the server has). Every screen says so until a sync finishes the copy.
    incomplete: bool = False


@dataclass(frozen=True)
class ServerSettings:
    """The clinic server as the settings screen shows it (never the password itself).

    ``user`` is the workstation's login; ``my_user`` the signed-in person's own login, which
    is used instead when set (one login role per user on the server, issue 10).
    """

    url: str
    user: str
    has_password: bool
    my_user: str = ""
    my_password: bool = False

    @property
    def login(self) -> str:
        """The server login a sync by the signed-in person uses."""
        return self.my_user or self.user


@dataclass(frozen=True)
class SyncReport:
    """What one sync did (counts only)."""

    pushed: int
    duplicates: int
    pulled: int
    conflicts: int
    snapshot_rows: int


@dataclass(frozen=True)
class ConflictView:
    """One conflict for the review list (values as JSON text)."""

    id: str
    table: str
    row_id: str
    patient_id: str | None
    field: str
    kind: str
    mine: str | None
    theirs: str | None
    clinical: bool
    at: datetime
    patient: str = ""  # "Okafor, Grace (MRN S-1)"; empty when the record has no patient
    record: str = ""  # which of the patient's records: "Metformin 500 mg oral tablet"


def conflict_view(c: SyncConflict, patient: str = "", record: str = "") -> ConflictView:
    """A stored conflict as the review list shows it, with who and which record it is about."""
    return ConflictView(
        c.id,
        c.table_name,
        c.row_id,
        c.patient_id,
        c.field,
        c.kind,
        c.mine,
        c.theirs,
        c.clinical,
        c.at,
        patient,
        record,
    )
