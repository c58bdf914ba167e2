"""Child process for the mid-send kill tests: sign in and send what is due."""

from __future__ import annotations

import os
import sys
from datetime import datetime

from careDesk.paths import VaultPaths
from careDesk.store.vault import unlock

if __name__ == "__main__":
    desk = unlock(
        VaultPaths(__import__("pathlib").Path(sys.argv[1])),
        sys.argv[2],
        os.environ["CAREDESK_PASSWORD"],
    )
    print("ready", flush=True)
    desk.outbox.send_due(datetime.fromisoformat(sys.argv[3]))
    desk.close()
