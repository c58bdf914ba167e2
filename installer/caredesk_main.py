"""The installed app's entry point: the same ``caredesk`` command as the console script.

Before anything else it arranges for crashes to leave a report in the platform's log folder
(no patient data): a hard crash below Python through :mod:`faulthandler`, and a Python error
that escapes before the app's own handlers are in place (a module missing from the build, say),
which would otherwise vanish with the hidden Windows console.
"""

import contextlib
import multiprocessing
import sys


def run() -> int:
    """Start ``caredesk`` with crash reports on; the process exit status."""
    from careDesk.logs import log_unexpected, record_native_crashes

    with contextlib.suppress(OSError):  # an unwritable log folder must not stop the app
        record_native_crashes()
    try:
        from ui.entry import main

        return main()
    except Exception as exc:
        where = log_unexpected(exc)
        print(f"caredesk: unexpected problem ({type(exc).__name__}); see {where}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    # A large clinic's bulk risk refresh scores in worker processes (careDesk/care/risk/
    # parallel.py); in the built app each starts as this program, and this makes it a worker.
    multiprocessing.freeze_support()
    sys.exit(run())
