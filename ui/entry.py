"""The ``caredesk`` console script (docs/architecture.md#the-caredesk-command).

With no subcommand it starts the desktop app; otherwise it hands the arguments to
:func:`careDesk.cli.main.main`, which never imports Qt (so subcommands work on a server
without a display and Qt is imported only for the GUI).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``caredesk``: the GUI without a subcommand, the command line with one."""
    from careDesk.cli.main import reader_left

    try:
        return _dispatch(argv)
    except BrokenPipeError:  # ``caredesk --help | head -1``: the reader left, nothing is wrong
        return reader_left()


def _dispatch(argv: Sequence[str] | None) -> int:
    from careDesk.cli.main import build_parser
    from careDesk.cli.main import main as cli_main

    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["--self-test"]:  # the installer check (installer/README.md)
        from ui.selftest import main as self_test

        return self_test()
    if args == ["--check-system"]:  # install.sh: do the desktop's system libraries load?
        from ui.syslibs import main as check_system

        return check_system([])
    if args == ["--probe-display"]:  # the self-test: open the real display once, then quit
        from ui.selftest import probe_display

        return probe_display()
    parsed = build_parser().parse_args(args)  # --help, --version and usage errors exit here
    if getattr(parsed, "command", None):
        return cli_main(args)
    from ui.syslibs import problem

    fix = problem()  # before Qt: a missing X11 library would abort it with no useful word
    if fix is not None:
        print(fix, file=sys.stderr)
        return 1
    from ui.app import run_gui

    return run_gui(parsed.data_dir)


if __name__ == "__main__":
    sys.exit(main())
