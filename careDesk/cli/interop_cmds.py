"""``caredesk import PATH...`` and ``caredesk export PATIENT --format fhir|pdf|ics -o OUT``."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from careDesk.cli.context import Context
from careDesk.ops import job


def register(sub: Any) -> None:
    """Add the ``import`` and ``export`` subcommands."""
    p = sub.add_parser("import", help="import FHIR R4 bundles (.json/.ndjson) or CSV patient lists")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    p.add_argument("--dry-run", action="store_true", help="CSV only: show what would happen")
    p.add_argument("--json", action="store_true", help="one JSON report per file")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export", help="export a patient as FHIR R4, a referral packet PDF or .ics")
    p.add_argument("patient", metavar="PATIENT", help="careDesk id or MRN")
    p.add_argument("--format", choices=("fhir", "pdf", "ics"), required=True)
    p.add_argument("-o", "--output", required=True, help="the file to write")
    p.add_argument(
        "--pdf-password-env",
        metavar="VAR",
        help="protect the PDF (AES-256) with the password in this environment variable",
    )
    p.add_argument(
        "--bundle-beside",
        action="store_true",
        help="pdf: also write the FHIR Bundle as a plain .json file beside the PDF (it is "
        "always inside the PDF; the plain copy is unprotected patient data)",
    )
    p.set_defaults(func=cmd_export)


def cmd_import(ctx: Context) -> int:
    """Import files and folders; one report line per file; exit 1 if any was rejected."""
    args = ctx.args
    interop = ctx.desk().interop
    paths = [Path(p) for p in args.paths]
    missing = [p for p in paths if not p.exists()]
    if missing:
        print(f"caredesk: no such file or folder: {missing[0]}", file=sys.stderr)
        return 1
    if args.dry_run:
        files = [p for p in paths if p.suffix.lower() == ".csv"]
        reports = [interop.import_csv(p, dry_run=True) for p in files]
    else:
        reports = ctx.desk().ops.call(job("import", lambda: interop.import_paths(paths)))
    if args.json:
        ctx.emit_json(
            [
                {
                    "file": r.file,
                    "accepted": r.accepted,
                    **r.counts(),
                    "problems": [str(p) for p in r.problems],
                    "notes": r.notes,
                }
                for r in reports
            ]
        )
    else:
        for report in reports:
            print(report.line())
            for note in report.notes:
                print(f"  note: {note}")
    if not reports:
        print("caredesk: nothing to import (.json, .ndjson or .csv files)", file=sys.stderr)
        return 1
    return 0 if all(r.accepted for r in reports) else 1


def cmd_export(ctx: Context) -> int:
    """Export one patient (id or MRN) as FHIR, a referral packet PDF or .ics."""
    args = ctx.args
    interop = ctx.desk().interop
    out = Path(args.output)
    if args.format == "fhir":
        interop.export_fhir(args.patient, out)
        print(f"Wrote {out}")
    elif args.format == "ics":
        interop.export_ics(args.patient, out)
        print(f"Wrote {out}")
    else:
        password = os.environ.get(args.pdf_password_env) if args.pdf_password_env else None
        if args.pdf_password_env and not password:
            print(
                f"caredesk: the environment variable {args.pdf_password_env} is empty",
                file=sys.stderr,
            )
            return 1
        pdf, bundle = interop.export_packet(
            args.patient, out, password=password, bundle_beside=args.bundle_beside
        )
        protected = " (AES-256, password protected)" if password else ""
        print(f"Wrote {pdf}{protected} with the FHIR Bundle inside")
        if bundle is not None:
            print(f"Wrote {bundle} (plain text: keep it safe)")
    return 0
