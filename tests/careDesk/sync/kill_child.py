"""Child process for the real-crash test: sign in, sync, and die (SIGKILL) the moment the
server has committed the push, before this workstation records the acknowledgement."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

from careDesk.paths import VaultPaths
from careDesk.store.vault import unlock
from careDesk.sync.service import Sync


def _die(self: Sync, last_seq: int, result: dict[str, Any]) -> None:
    print(f"committed {len(result['applied'])}", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":
    desk = unlock(VaultPaths(Path(sys.argv[1])), sys.argv[2], os.environ["CAREDESK_PASSWORD"])
    Sync._acknowledge = _die  # type: ignore[method-assign]
    desk.sync.run()
    print("not killed", flush=True)
