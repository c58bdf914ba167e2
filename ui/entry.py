"""The ``caredesk`` console script (docs/architecture.md#the-caredesk-command).

With no subcommand it starts the desktop app; otherwise it hands the arguments to
:func:`careDesk.cli.main.main`, which never imports Qt (so subcommands work on a server
without a display and Qt is imported only for the GUI). The desktop's launch reads the global
options without importing every command's module (issue 19: launch to a usable sign-in window
≤ 1.5 s). ``--exit-when-ready`` (first argument) starts the desktop, prints ``ready`` once its
first window is painted and quits: what ``benchmarks/bench_startup.py`` times.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

EXIT_WHEN_READY = "--exit-when-ready"


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``caredesk``: the GUI without a subcommand, the command line with one."""
    from careDesk.cli.main import reader_left

    try:
        return _dispatch(argv)
    except BrokenPipeError:  # ``caredesk --help | head -1``: the reader left, nothing is wrong
        return reader_left()


def _desktop_options(args: list[str]) -> argparse.Namespace | None:
    """The global options when ``args`` name no command (the desktop's launch), read without
    loading every command's module; None when there is a command or help to show."""
    from careDesk.cli.main import build_parser

    if any(a in ("-h", "--help") for a in args):
        return None
    parsed, rest = build_parser(commands=False).parse_known_args(args)  # --version exits here
    return None if rest else parsed


def _dispatch(argv: Sequence[str] | None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    exit_when_ready = bool(args) and args[0] == EXIT_WHEN_READY
    if exit_when_ready:
        args = args[1:]
    if args == ["--self-test"]:  # the installer check (installer/README.md)
        from ui.selftest import main as self_test

        return self_test()
    if args == ["--check-system"]:  # install.sh: do the desktop's system libraries load?
        from ui.syslibs import main as check_system

        return check_system([])
    if args == ["--probe-display"]:  # the self-test: open the real display once, then quit
        from ui.selftest import probe_display

        return probe_display()
    parsed = _desktop_options(args)
    if parsed is None:
        from careDesk.cli.main import build_parser
        from careDesk.cli.main import main as cli_main

        parsed = build_parser().parse_args(args)  # --help, --version, usage errors exit here
        if getattr(parsed, "command", None):
            return cli_main(args)
    from ui.syslibs import problem

    fix = problem()  # before Qt: a missing X11 library would abort it with no useful word
    if fix is not None:
        print(fix, file=sys.stderr)
        return 1
    from ui.app import run_gui

    return run_gui(parsed.data_dir, exit_when_ready=exit_when_ready)


if __name__ == "__main__":
    sys.exit(main())
