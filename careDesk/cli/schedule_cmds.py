"""Reminder and outreach commands: ``reminders`` and ``outbox``."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path
from typing import Any

from careDesk.cli.context import Context
from careDesk.errors import CareDeskError
from careDesk.model.base import utcnow


def register(sub: Any) -> None:
    p = sub.add_parser("reminders", help="follow-ups and reminders")
    p.add_argument("--due", action="store_true", help="only what is due now")
    p.add_argument("--days", type=int, default=7, help="without --due: the next N days")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_reminders)

    p = sub.add_parser("outbox", help="queued and sent messages; --send delivers what is due")
    p.add_argument("--send", action="store_true", help="queue reminders and send what is due")
    p.add_argument("--json", action="store_true")
    p.add_argument("--limit", type=int, default=200)
    p.add_argument(
        "--print",
        dest="print_batch",
        choices=("letters", "calls"),
        help="write the queued letters (or the call list) to -o FILE and mark them printed",
    )
    p.add_argument("-o", "--output", help="PDF file for --print")
    p.set_defaults(func=cmd_outbox)


def cmd_reminders(ctx: Context) -> int:
    desk = ctx.desk(readonly=not ctx.args.due)
    now = utcnow()
    if ctx.args.due:
        items = desk.reminders.due(now)
    else:
        items = desk.reminders.due(now) + desk.reminders.upcoming(
            now, now + timedelta(days=ctx.args.days)
        )
    if ctx.args.json:
        ctx.emit_json([dataclasses.asdict(i) for i in items])
        return 0
    for i in items:
        flag = "URGENT " if i.urgent else ("overdue " if i.overdue else "")
        print(f"{i.due_at:%Y-%m-%d %H:%M}  {flag}{i.kind:<18} {i.patient_name}: {i.title}")
    if not items:
        print("Nothing due.")
    return 0


def cmd_outbox(ctx: Context) -> int:
    if ctx.args.print_batch:
        return _print_batch(ctx)
    desk = ctx.desk(readonly=not ctx.args.send)
    if ctx.args.send:
        desk.outbox.recover_interrupted()
        queued = desk.outbox.queue_appointment_reminders()
        report = desk.outbox.send_due()
        if not ctx.args.json:
            print(
                f"Queued {queued} reminder(s); sent {report.sent}, "
                f"retrying {report.retrying}, failed {report.failed}."
            )
    rows = desk.outbox.messages(limit=ctx.args.limit)
    if ctx.args.json:
        ctx.emit_json([dataclasses.asdict(r) for r in rows])
        return 0
    for r in rows:
        reason = f" ({r.reason})" if r.reason else ""
        print(f"{r.created_at:%Y-%m-%d %H:%M}  {r.state:<8} {r.channel:<6} {r.template}{reason}")
    return 0


def _print_batch(ctx: Context) -> int:
    from careDesk.handouts.render import write_pdf
    from careDesk.schedule.printing import call_list, letter_batch

    if not ctx.args.output:
        raise CareDeskError("say where to write the PDF with -o FILE")
    desk = ctx.desk()
    batch = letter_batch(desk) if ctx.args.print_batch == "letters" else call_list(desk)
    write_pdf(Path(ctx.args.output), batch.pdf)
    marked = desk.outbox.mark_printed(batch.message_ids)
    print(f"Wrote {ctx.args.output}: {marked} {ctx.args.print_batch[:-1]}(s), now marked sent.")
    return 0
