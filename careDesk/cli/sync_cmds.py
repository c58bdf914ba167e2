"""``caredesk sync``: push and pull now; ``--setup-server URL`` installs the clinic server."""

from __future__ import annotations

import dataclasses
import getpass
import os
from typing import Any

from careDesk.cli.context import Context
from careDesk.cli.terminal import progress_line
from careDesk.errors import CareDeskError
from careDesk.ops import Progress, job
from careDesk.sync.conflict_words import field_text, mine, record_text, theirs
from careDesk.sync.reports import INCOMPLETE, LAST_ERROR


def register(sub: Any) -> None:
    p = sub.add_parser("sync", help="push and pull with the clinic PostgreSQL server")
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--setup-server",
        metavar="URL",
        help="create or upgrade the server schema, functions and roles (administrator URL)",
    )
    p.add_argument(
        "--add-login",
        metavar="ROLE",
        help="with --setup-server: create a user's login role (password from "
        "CAREDESK_SYNC_PASSWORD or a prompt)",
    )
    p.add_argument("--clinic", default="clinic", help="with --add-login: the clinic id")
    p.add_argument(
        "--purge",
        metavar="URL",
        help="remove old change records and tombstones every workstation already has "
        "(administrator URL; run it nightly on the server)",
    )
    p.add_argument(
        "--idle-days",
        type=int,
        metavar="N",
        help="with --purge: workstations that have not synced for N days no longer hold the "
        "purge back (they copy the clinic again at their next sync)",
    )
    p.add_argument("--status", action="store_true", help="only show the sync status")
    p.add_argument(
        "--conflicts",
        action="store_true",
        help="list the conflicts to review: whose record, which field, both values",
    )
    p.add_argument(
        "--resolve",
        metavar="ID",
        help="mark a conflict reviewed (its id, or the 8 characters --conflicts shows)",
    )
    p.add_argument(
        "--send-demo",
        action="store_true",
        help="first sync only: also send this vault's demo patients to the clinic server",
    )
    p.add_argument(
        "--my-login",
        metavar="ROLE",
        help="sync as your own login role on the server from now on (password from "
        "CAREDESK_SYNC_PASSWORD or a prompt); an empty ROLE goes back to the workstation's",
    )
    p.set_defaults(func=cmd_sync)


def cmd_sync(ctx: Context) -> int:
    """Run a sync (or set up the server) and report."""
    if ctx.args.add_login and not ctx.args.setup_server:
        raise CareDeskError(
            "--add-login works with --setup-server URL (an administrator's connection)."
        )
    if ctx.args.setup_server:
        return _setup(ctx)
    if ctx.args.purge:
        return _purge(ctx)
    if ctx.args.conflicts or ctx.args.resolve:
        return _conflicts(ctx)
    # --status only reads: it works beside a sync running in the app or another terminal
    desk = ctx.desk(readonly=bool(ctx.args.status and ctx.args.my_login is None))
    if ctx.args.my_login is not None:
        role = ctx.args.my_login.strip()
        password = None
        if role:
            password = os.environ.get("CAREDESK_SYNC_PASSWORD") or getpass.getpass(
                f"Server password for {role}: "
            )
        desk.sync.set_login(desk.user.login, role, password)
        print(f"{desk.user.login} now syncs as {role or 'the workstation login'}")
        return 0
    sends = None if ctx.args.status else desk.sync.first_sync_sends()
    if sends is not None and sends[1] and not ctx.args.send_demo:
        raise CareDeskError(
            f"This vault has {sends[1]:,} demo patients; a first sync would send them to every "
            "workstation of the clinic. Join from a new vault, or add --send-demo."
        )
    report = None
    if not ctx.args.status:
        progress = Progress()  # a first sync of a large clinic takes minutes: show each stage
        with progress_line(progress):
            report = desk.ops.call(job("sync", lambda: desk.sync.run(progress), progress))
    status = desk.sync.status()
    if ctx.args.json:
        data: dict[str, Any] = {"status": dataclasses.asdict(status)}
        if report is not None:
            data["report"] = dataclasses.asdict(report)
        ctx.emit_json(data)
        return 0
    if report is not None:
        print(
            f"sent {report.pushed} changes, received {report.pulled}, "
            f"{report.conflicts} conflicts"
            + (f", first sync {report.snapshot_rows} rows" if report.snapshot_rows else "")
        )
    last = status.last_sync_at.isoformat(timespec="seconds") if status.last_sync_at else "never"
    print(
        f"last sync: {last}; waiting to send: {status.pending}; "
        f"conflicts to review: {status.open_conflicts}"
    )
    if status.last_error is not None:
        when = (
            status.last_attempt_at.isoformat(timespec="seconds") if status.last_attempt_at else ""
        )
        print(f"last attempt {when}: {LAST_ERROR.get(status.last_error, status.last_error)}")
    if status.incomplete:
        print(f"{INCOMPLETE} Finish it with: caredesk sync")
    return 0


def _short(conflict_id: str) -> str:
    """A conflict's id as --conflicts shows it: its last 8 characters, the random end of a
    time-ordered id (the first 8 are the same for every conflict of one sync)."""
    return conflict_id[-8:]


def _conflicts(ctx: Context) -> int:
    """List the conflicts to review, or mark one reviewed (--resolve)."""
    desk = ctx.desk(readonly=not ctx.args.resolve)
    open_ones = desk.sync.conflicts()
    if ctx.args.resolve:
        wanted = ctx.args.resolve.strip()
        found = [
            c for c in open_ones if c.id == wanted or (len(wanted) >= 8 and c.id.endswith(wanted))
        ]
        if len(found) != 1:
            raise CareDeskError(
                f"No open conflict {wanted!r}"
                if not found
                else f"{wanted!r} names several: give more of it"
            )
        desk.sync.resolve(found[0].id)
        print(f"conflict {_short(found[0].id)} marked reviewed")
        return 0
    if ctx.args.json:
        ctx.emit_json({"conflicts": [dataclasses.asdict(c) for c in open_ones]})
        return 0
    for c in open_ones:
        flag = " (clinical)" if c.clinical else ""
        who = c.patient or "no patient"
        print(
            f"{_short(c.id)}  {c.at.astimezone():%Y-%m-%d %H:%M}  {who}  {record_text(c)}{flag}\n"
            f"          {field_text(c)}: here {mine(c)!r}, kept {theirs(c)!r}"
        )
    print(f"{len(open_ones)} conflicts to review" if open_ones else "no conflicts to review")
    return 0


def _setup(ctx: Context) -> int:
    import psycopg

    from careDesk.sync import setup

    try:
        psycopg.conninfo.conninfo_to_dict(ctx.args.setup_server)
    except psycopg.ProgrammingError as exc:
        raise CareDeskError(
            "That is not a server URL: use postgresql://administrator@host:port/database"
        ) from exc
    done = ""
    try:
        with psycopg.connect(ctx.args.setup_server) as conn:
            setup.install(conn)
            if ctx.args.add_login:
                password = os.environ.get("CAREDESK_SYNC_PASSWORD") or getpass.getpass(
                    f"Password for {ctx.args.add_login}: "
                )
                done = setup.add_login(conn, ctx.args.add_login, password, ctx.args.clinic)
    except psycopg.OperationalError as exc:
        raise CareDeskError(
            "Could not connect to the server with that URL (unreachable, or the administrator"
            " login or password was not accepted)."
        ) from exc
    except psycopg.Error as exc:
        raise CareDeskError(f"The server refused the setup ({type(exc).__name__}).") from exc
    print(
        "clinic server ready"
        + (f"; login {ctx.args.add_login} {done}" if ctx.args.add_login else "")
    )
    return 0


def _purge(ctx: Context) -> int:
    import psycopg

    idle = ctx.args.idle_days
    if idle is not None and idle < 1:
        raise CareDeskError("--idle-days must be 1 or more")
    try:
        with psycopg.connect(ctx.args.purge) as conn:
            rows = conn.execute(
                "SELECT clinic, horizon::text, rows_removed FROM sync.purge(%s::interval)",
                (f"{idle} days" if idle is not None else None,),
            ).fetchall()
    except psycopg.OperationalError as exc:
        raise CareDeskError("Could not connect to the server with that URL.") from exc
    except psycopg.Error as exc:
        raise CareDeskError(f"The server refused the purge ({type(exc).__name__}).") from exc
    if ctx.args.json:
        ctx.emit_json(
            {"purged": [{"clinic": c, "below_txid": h, "rows_removed": n} for c, h, n in rows]}
        )
        return 0
    for clinic, _, removed in rows:
        print(f"{clinic}: {removed} removed rows purged")
    if not rows:
        print("nothing to purge (a workstation has not caught up yet)")
    return 0
