"""``caredesk`` subcommands: parse global options, open the vault, run one command.

Exit 0 on success; 1 with one clear line on stderr for an expected problem; 2 for a usage
error; 3 for a bug (logged without patient data, never a traceback on screen); 141 (as a shell
reports a SIGPIPE) when the reader of the output went away, e.g. ``caredesk patients | head``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from importlib import import_module
from typing import NoReturn

from careDesk import __version__
from careDesk.cli.context import Context
from careDesk.cli.terminal import safe_output
from careDesk.errors import CareDeskError
from careDesk.logs import log_unexpected
from careDesk.paths import private_umask, use_data_dir

# Each module has ``register(subparsers)``; its parsers set ``func(ctx) -> int``.
COMMAND_MODULES = [
    "careDesk.cli.vault_cmds",
    "careDesk.cli.schedule_cmds",
    "careDesk.cli.inbox_cmds",
    "careDesk.cli.patient_cmds",
    "careDesk.cli.care_cmds",
    "careDesk.cli.measure_cmds",
    "careDesk.cli.ccm_cmds",
    "careDesk.cli.demo_cmds",
    "careDesk.cli.interop_cmds",
    "careDesk.cli.handout_cmds",
    "careDesk.cli.template_cmds",
    "careDesk.cli.sync_cmds",
]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # Override: one line, exit 2
        self.exit(2, f"caredesk: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="caredesk", description="careDesk: care management for small clinics.")
    parser.add_argument("--version", action="version", version=f"careDesk {__version__}")
    parser.add_argument("--data-dir", help="data folder (env CAREDESK_DATA_DIR)")
    parser.add_argument("--user", help="sign in as this user (env CAREDESK_USER)")
    parser.add_argument("--password-file", help="read the password from this file")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        import_module(name).register(sub)
    return parser


# The status a shell gives a command killed by SIGPIPE (128 + 13): the reader left, nothing wrong.
CLOSED_PIPE = 141


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``caredesk`` command; returns the exit status (also for usage errors)."""
    try:
        with safe_output(), private_umask():
            status = _main(argv)
            sys.stdout.flush()  # a pipe closed early shows here, while we can still answer
        return status
    except BrokenPipeError:
        return reader_left()


def reader_left() -> int:
    """The reader of stdout went away: quiet the final flush and return :data:`CLOSED_PIPE`.

    As the Python documentation advises for SIGPIPE (library/signal.html, "Note on SIGPIPE"):
    stdout is pointed at the null device so the interpreter's last flush cannot fail again.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout is no real file (captured in tests): nothing to flush
        pass
    return CLOSED_PIPE


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:  # --help, --version, or a usage error already printed
        return done.code if isinstance(done.code, int) else 2
    func: Callable[[Context], int] | None = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    use_data_dir(args.data_dir)  # crash reports and logs go beside the chosen vault
    ctx = Context(args)
    try:
        return func(ctx)
    except BrokenPipeError:
        raise  # the reader left: quiet, no crash report (see main)
    except CareDeskError as exc:
        print(f"caredesk: {exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("caredesk: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        where = log_unexpected(exc)
        print(f"caredesk: unexpected problem ({type(exc).__name__}); see {where}", file=sys.stderr)
        return 3
    finally:
        ctx.close()
        use_data_dir(None)
