"""Child for the I/O-error test: a big save while the vault's files may not grow.

``python -m tests.reliability.storage_writer DATA_DIR`` signs in (user and password from the
environment), then caps every file this process writes at the size the vault's database and
write-ahead log have now plus 8 KiB (``RLIMIT_FSIZE``; SIGXFSZ ignored, so a write past it
fails with EFBIG, which SQLite reports as ``SQLITE_IOERR_WRITE``), and adds 4,000 patients in
one transaction. Prints ``ok``, or the error's class and message on one line.
"""

from __future__ import annotations

import os
import resource
import signal
import sys
from pathlib import Path

from careDesk.errors import CareDeskError
from careDesk.paths import VaultPaths
from careDesk.store.vault import unlock
from tests.careDesk.store.files import add_patients


def main(data_dir: str) -> int:
    login, password = os.environ["CAREDESK_USER"], os.environ["CAREDESK_PASSWORD"]
    paths = VaultPaths(Path(data_dir))
    desk = unlock(paths, login, password)
    sizes = [p.stat().st_size for p in (paths.database, *paths.sidecars()) if p.exists()]
    limit = max(sizes) + 8192
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
    status = 0
    try:
        add_patients(desk, 4000, prefix="IOERR")
        print("ok", flush=True)
    except CareDeskError as exc:
        print(f"{type(exc).__name__}: {exc.message}", flush=True)
        status = 1
    resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    desk.close()
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
