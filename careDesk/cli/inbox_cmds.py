"""``caredesk inbox``: replies from patients and caregivers (issue 20).

``--fetch`` takes new replies from the clinic mailbox, the SMS gateway and the WhatsApp relay;
without it the command lists what came back. Unmatched replies are assigned to a patient (by
MRN or id) or dismissed.
"""

from __future__ import annotations

import dataclasses
import sys
from typing import Any

from careDesk.cli.context import Context
from careDesk.errors import CareDeskError


def register(sub: Any) -> None:
    p = sub.add_parser("inbox", help="replies from patients; --fetch takes new ones")
    p.add_argument("--fetch", action="store_true", help="take new replies from every source")
    p.add_argument("--unmatched", action="store_true", help="only replies waiting for a person")
    p.add_argument("--json", action="store_true")
    p.add_argument("--limit", type=int, default=200)
    p.add_argument("--assign", metavar="REPLY", help="say whose an unmatched reply is (--to)")
    p.add_argument("--to", metavar="PATIENT", help="with --assign: patient MRN or id")
    p.add_argument("--member", metavar="ID", help="with --assign: one of the patient's family")
    p.add_argument("--dismiss", metavar="REPLY", help="an unmatched reply that is no one's")
    p.set_defaults(func=cmd_inbox)


def cmd_inbox(ctx: Context) -> int:
    args = ctx.args
    changing = bool(args.fetch or args.assign or args.dismiss)
    desk = ctx.desk(readonly=not changing)
    if args.assign:
        if not args.to:
            raise CareDeskError("say whose it is with --to PATIENT (MRN or id)")
        row = desk.inbox.assign(args.assign, args.to, args.member)
        print(f"Assigned: {row.action or 'on the timeline'}.")
        return 0
    if args.dismiss:
        desk.inbox.dismiss(args.dismiss)
        print("Dismissed.")
        return 0
    problems: list[str] = []
    if args.fetch:
        report = desk.inbox.fetch()
        problems = report.problems
        if not args.json:
            print(
                f"Took {report.taken} repl(ies): {report.matched} matched, "
                f"{report.unmatched} for a person to sort."
            )
    rows = desk.inbox.unmatched() if args.unmatched else desk.inbox.replies(limit=args.limit)
    if args.json:
        ctx.emit_json([dataclasses.asdict(r) for r in rows])
    else:
        for r in rows:
            what = r.action or r.reason or ""
            print(f"{r.received_at:%Y-%m-%d %H:%M}  {r.state:<9} {r.channel:<8} {r.id}  {what}")
    for problem in problems:
        print(f"caredesk: {problem}", file=sys.stderr)
    return 1 if problems else 0
