"""``caredesk --self-test``: prove an installed copy works, without touching the clinic's data.

Run on a freshly installed (or freshly built) app: it creates a vault in a temporary folder with
the real encryption and the real key derivation, signs in again with the password, renders a
handout PDF for a made-up patient, runs the coordination checks on its medicines (dose units
need pint's definition files), starts and stops the reminder clock, and (given by the desktop
client, since the core never imports Qt) opens the main window offscreen. One line per check;
the exit status is 0 only when every check passed.

Everything happens in a temporary folder that is removed afterwards; the clinic's data folder,
the OS keyring and the real patients are never touched. The test patient is invented, so a
failure's message can be printed as it is (it names a missing module or file, which is what a
packaging problem needs).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from careDesk import __version__
from careDesk.desk import Desk
from careDesk.paths import ENV_DATA_DIR, VaultPaths, data_dir, log_dir

#: A check gets the signed-in admin's desk and returns a short description of what it saw.
Check = Callable[[Desk], str]

SELF_TEST_LOGIN = "selftest"
SELF_TEST_PASSWORD = "self test: a long passphrase nobody uses"  # a throwaway vault
SQLITE_PLAIN_HEADER = b"SQLite format 3\x00"
PDF_MAGIC = b"%PDF-"


@dataclass(frozen=True)
class CheckResult:
    """One line of the self-test report."""

    name: str
    ok: bool
    detail: str
    seconds: float

    def line(self) -> str:
        """``ok   name: detail (0.12 s)`` or ``FAIL name: error``."""
        status = "ok  " if self.ok else "FAIL"
        return f"{status} {self.name}: {self.detail} ({self.seconds:.2f} s)"


def describe_build() -> str:
    """Version, frozen or not, Python and platform: the first line of the report."""
    frozen = "installed app" if getattr(sys, "frozen", False) else "from source"
    python = ".".join(str(part) for part in sys.version_info[:3])
    return f"careDesk {__version__} ({frozen}), Python {python} on {sys.platform}"


def _run(name: str, check: Callable[[], str]) -> CheckResult:
    started = time.perf_counter()
    try:
        detail = check()
    except Exception as exc:  # a self-test reports every failure, whatever it is
        detail = f"{type(exc).__name__}: {exc}"
        return CheckResult(name, False, detail, time.perf_counter() - started)
    return CheckResult(name, True, detail, time.perf_counter() - started)


@contextmanager
def _private_data_dir(root: Path) -> Iterator[None]:
    """Point the data folder (and so the log folder) at ``root`` while the self-test runs."""
    previous = os.environ.get(ENV_DATA_DIR)
    os.environ[ENV_DATA_DIR] = str(root)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(ENV_DATA_DIR, None)
        else:
            os.environ[ENV_DATA_DIR] = previous


def check_folders() -> str:
    """Where this user's data and logs go on this platform (nothing is created)."""
    previous = os.environ.pop(ENV_DATA_DIR, None)
    try:
        return f"data in {data_dir()}, logs in {log_dir()}"
    finally:
        if previous is not None:
            os.environ[ENV_DATA_DIR] = previous


def check_vault(paths: VaultPaths) -> str:
    """Create an encrypted vault, close it, and sign in again with the password."""
    from careDesk.store.vault import create_vault, unlock

    desk, _recovery = create_vault(paths, SELF_TEST_LOGIN, SELF_TEST_PASSWORD)
    desk.close()
    header = paths.database.read_bytes()[:16]
    if header == SQLITE_PLAIN_HEADER:
        raise RuntimeError("the database file is not encrypted")
    unlock(paths, SELF_TEST_LOGIN, SELF_TEST_PASSWORD).close()
    return f"created, encrypted (SQLCipher {sqlcipher_version()}) and unlocked again"


def sqlcipher_version() -> str:
    """The SQLCipher library inside the ``sqlcipher3`` module (an error if there is none)."""
    import sqlcipher3

    conn = sqlcipher3.connect(":memory:")
    try:
        row = conn.execute("PRAGMA cipher_version").fetchone()
    finally:
        conn.close()
    if not row:
        raise RuntimeError("the sqlcipher3 module has no SQLCipher inside")
    return str(row[0])


def add_test_patient(desk: Desk) -> str:
    """An invented patient with a condition and a medicine; returns the patient id."""
    patient = desk.patients.create(
        given_name="Test",
        family_name="Selftest",
        mrn="SELFTEST-1",
        birth_date="1950-01-01",
        language="es",
    ).value
    desk.clinical.add_condition(patient.id, display="Diabetes mellitus tipo 2", icd10="E11.9")
    desk.clinical.add_medication(
        patient.id, name="Metformina 500 mg", dose="1 tableta", slots="morning,evening"
    )
    return str(patient.id)


def check_handout(desk: Desk, patient_id: str) -> str:
    """Render the patient handout (Spanish: needs the bundled Unicode font) as a PDF."""
    desk.settings.set("clinic.name", "Self-test clinic")
    data = desk.handouts.patient_handout(patient_id, "es")
    if not data.startswith(PDF_MAGIC):
        raise RuntimeError("the handout is not a PDF")
    pages = data.count(b"/Type /Page") - data.count(b"/Type /Pages")
    if b"DejaVu" not in data:
        raise RuntimeError("the handout does not embed the bundled DejaVu font")
    return f"{len(data):,} bytes, {max(pages, 1)} page(s), DejaVu font embedded"


def check_coordination(desk: Desk, patient_id: str) -> str:
    """Run the coordination checks on the test patient: dose units come from pint's definition
    files, which the installed app must carry; 0.5 g and 500 mg must read as one dose."""
    desk.clinical.add_medication(
        patient_id, name="Metformina", ingredient="metformina", dose="0.5 g"
    )
    if desk.coordination.warnings(patient_id):
        raise RuntimeError("0.5 g and 500 mg of one medicine were not read as one dose")
    desk.clinical.add_medication(patient_id, name="Metformina 850 mg", dose="1 tableta")
    kinds = sorted(w.kind for w in desk.coordination.warnings(patient_id))
    if kinds != ["dose_conflict", "dose_conflict"]:
        raise RuntimeError(f"850 mg against 500 mg gave {kinds or 'no warning'}")
    return "0.5 g and 500 mg read as one dose, 850 mg as another"


def check_reminder_clock(desk: Desk) -> str:
    """Start the reminder clock on the open desk and stop it again."""
    from careDesk.schedule.clock import ReminderClock, jobs_due_summary

    clock = ReminderClock(desk)
    clock.start()
    try:
        jobs = sorted(jobs_due_summary(clock))
    finally:
        clock.stop()
    if clock.errors:
        raise RuntimeError("; ".join(clock.errors))
    return f"started with {len(jobs)} jobs ({', '.join(jobs)}) and stopped"


def run_checks(extra: Sequence[tuple[str, Check]] = ()) -> list[CheckResult]:
    """Run every check in a temporary folder; ``extra`` run last on the open desk."""
    results = [_run("folders", check_folders)]
    with (
        tempfile.TemporaryDirectory(prefix="caredesk-selftest-") as folder,
        _private_data_dir(Path(folder)),
    ):
        paths = VaultPaths(Path(folder) / "vault")
        results.append(_run("vault", lambda: check_vault(paths)))
        if not results[-1].ok:
            return results
        from careDesk.store.vault import unlock

        desk = unlock(paths, SELF_TEST_LOGIN, SELF_TEST_PASSWORD)
        try:
            results += _desk_checks(desk, extra)
        finally:
            desk.close()
    return results


def _desk_checks(desk: Desk, extra: Sequence[tuple[str, Check]]) -> list[CheckResult]:
    results: list[CheckResult] = []
    patient: list[str] = []
    results.append(_run("patient", lambda: _add(desk, patient)))
    if patient:
        results.append(_run("handout", lambda: check_handout(desk, patient[0])))
        results.append(_run("coordination", lambda: check_coordination(desk, patient[0])))
    results.append(_run("reminder clock", lambda: check_reminder_clock(desk)))
    for name, check in extra:
        results.append(_run(name, partial(check, desk)))
    return results


def _add(desk: Desk, patient: list[str]) -> str:
    patient.append(add_test_patient(desk))
    return "invented test patient registered with a condition and a medicine"


def run_self_test(
    extra: Sequence[tuple[str, Check]] = (), out: Callable[[str], None] = print
) -> int:
    """Print one line per check; 0 when all passed, 1 otherwise."""
    out(describe_build())
    results = run_checks(extra)
    for result in results:
        out(result.line())
    failed = [result.name for result in results if not result.ok]
    out(f"self-test {'FAILED: ' + ', '.join(failed) if failed else 'passed'}")
    return 1 if failed else 0
