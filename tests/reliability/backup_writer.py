"""Child for the interrupted-backup test: a backup under a file-size limit.

``python -m tests.reliability.backup_writer DATA_DIR TARGET LIMIT`` signs in (user and
password from the environment), then caps every file it writes at ``LIMIT`` bytes (or, for
``LIMIT`` = ``archive``, just above the size of the database copy, so that the copy succeeds
and writing the archive fails) with
``RLIMIT_FSIZE`` (SIGXFSZ ignored, so writes fail with EFBIG instead of killing it) and writes
a backup over ``TARGET``. Prints ``ok``, or the error's class, its cause's class and its
message on one line.
"""

from __future__ import annotations

import os
import resource
import signal
import sys
from pathlib import Path

from careDesk.desk import Desk
from careDesk.errors import CareDeskError
from careDesk.paths import VaultPaths
from careDesk.store.vault import unlock


def _database_bytes(desk: Desk) -> int:
    with desk.engine.connect() as conn:
        pages = int(conn.exec_driver_sql("PRAGMA page_count").scalar() or 0)
        size = int(conn.exec_driver_sql("PRAGMA page_size").scalar() or 0)
    return pages * size


def main(data_dir: str, target: str, limit_arg: str) -> int:
    login, password = os.environ["CAREDESK_USER"], os.environ["CAREDESK_PASSWORD"]
    desk = unlock(VaultPaths(Path(data_dir)), login, password)
    limit = _database_bytes(desk) + 512 if limit_arg == "archive" else int(limit_arg)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    try:
        desk.backups.make(Path(target))
        print("ok", flush=True)
        return 0
    except CareDeskError as exc:
        cause = type(exc.__cause__).__name__  # which stage failed: the copy or the archive
        print(f"{type(exc).__name__} ({cause}): {exc.message}", flush=True)
        return 1
    finally:
        desk.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3]))
