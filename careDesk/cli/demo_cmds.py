"""``caredesk demo``: create (or fill) a vault with a realistic synthetic clinic (issue 3).

With no vault in the data folder, one is created with the signing-in user (``--user`` or
CAREDESK_USER) as its admin and the password from the usual sources; the recovery key is
printed once, as ``caredesk init`` does. The demo coordinators it adds sign in with that same
password (synthetic data only). With a vault, the admin signs in and the patients are added.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from careDesk.care.demo import DemoSummary, generate_demo
from careDesk.care.demo.generator import MAX_PATIENTS
from careDesk.cli.context import Context, inline
from careDesk.cli.terminal import progress_line
from careDesk.desk import Desk
from careDesk.errors import CareDeskError, ValidationFailed
from careDesk.ops import Progress, job
from careDesk.store.vault import create_vault, unlock

DEFAULT_PATIENTS = 200


def register(sub: Any) -> None:
    """Add the ``demo`` subcommand."""
    p = sub.add_parser("demo", help="create or fill a vault with realistic synthetic patients")
    p.add_argument("--patients", type=int, default=DEFAULT_PATIENTS, help="how many (default 200)")
    p.add_argument("--seed", type=int, default=1, help="the same seed gives the same patients")
    p.add_argument("--today", help="draw dates around this day (YYYY-MM-DD) instead of today")
    p.add_argument(
        "--to-clinic",
        action="store_true",
        help="into a vault that syncs: the demo patients then reach every workstation of the "
        "clinic (a training clinic's server)",
    )
    p.set_defaults(func=cmd_demo)


def _today(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed("--today", "use the form YYYY-MM-DD") from None


def _open(ctx: Context) -> tuple[Desk, str]:
    """The admin's desk and password: a new vault when there is none yet."""
    login, paths = ctx.login(), ctx.paths
    if paths.exists():
        password = ctx.password()
        return inline(unlock(paths, login, password)), password
    password = ctx.password("New admin password: ")
    desk, recovery = create_vault(paths, login, password)
    inline(desk)
    print(f"Created the vault in {paths.root} with {login} as its admin.")
    print("Recovery key (shown once; print it and keep it locked away):")
    print(f"  {recovery}")
    return desk, password


def _report(summary: DemoSummary) -> None:
    if summary.created_users:
        logins = ", ".join(summary.created_users)
        print(f"Added demo coordinators ({logins}); they sign in with the same password.")
    print(
        f"Made {summary.patients:,} patients ({summary.first_mrn}–{summary.last_mrn}) "
        f"with seed {summary.seed} in {summary.seconds:.1f} s."
    )
    rows = summary.rows
    shown = (
        ("condition", "conditions"),
        ("medication", "medicines"),
        ("encounter", "hospital and ED visits"),
        ("screener_result", "screeners"),
        ("care_plan", "care plans"),
        ("follow_up", "follow-ups"),
        ("appointment", "appointments"),
        ("timeline_entry", "calls and notes"),
        ("referral", "referrals"),
    )
    print("  " + ", ".join(f"{rows.get(table, 0):,} {label}" for table, label in shown))
    if summary.risk_seconds is not None:
        print(f"Risk scores for {summary.risk_scored:,} patients in {summary.risk_seconds:.1f} s.")


def cmd_demo(ctx: Context) -> int:
    """Create or fill the vault and print what was made."""
    args = ctx.args
    today = _today(args.today)
    if not 1 <= args.patients <= MAX_PATIENTS:  # checked before a vault is created
        raise ValidationFailed("--patients", f"must be between 1 and {MAX_PATIENTS:,}")
    desk, password = _open(ctx)
    try:
        if desk.sync.capturing and not args.to_clinic:
            raise CareDeskError(
                "This vault syncs with the clinic server: its demo patients would reach every "
                "workstation of the clinic. Make them in a vault of their own, or add "
                "--to-clinic (a training clinic)."
            )
        progress = Progress()

        def generate() -> DemoSummary:
            return generate_demo(
                desk,
                patients=args.patients,
                seed=args.seed,
                today=today,
                coordinator_password=password,
                progress=progress,
            )

        with progress_line(progress):
            summary = desk.ops.call(job("demo.generate", generate, progress))
        _report(summary)
    finally:
        desk.close()
    return 0
