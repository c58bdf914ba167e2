"""What a command needs: the data folder, the credentials and an open desk."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Any

from careDesk.desk import Desk
from careDesk.errors import CareDeskError
from careDesk.paths import VaultPaths, vault_paths
from careDesk.store.keyslots import KeySlotFile
from careDesk.store.vault import unlock


class Context:
    """Global options resolved once, and the desk opened on first use."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self._desk: Desk | None = None

    @property
    def paths(self) -> VaultPaths:
        return vault_paths(self.args.data_dir)

    def login(self) -> str:
        login = self.args.user or os.environ.get("CAREDESK_USER")
        if login:
            return str(login)
        if self.paths.key_slots.exists():
            logins = KeySlotFile.load(self.paths.key_slots).logins()
            if len(logins) == 1:
                return logins[0]
        raise CareDeskError("say who you are with --user NAME or CAREDESK_USER")

    def password(self, prompt: str = "Password: ", *, env: str = "CAREDESK_PASSWORD") -> str:
        """From --password-file, then the environment, then a prompt on a terminal."""
        if self.args.password_file:
            path = Path(self.args.password_file)
            try:
                return path.read_text(encoding="utf-8").rstrip("\r\n")
            except OSError as exc:
                raise CareDeskError(f"cannot read the password file {path}: {exc.strerror}") from exc
        if os.environ.get(env):
            return os.environ[env]
        if sys.stdin.isatty():
            return getpass.getpass(prompt)
        raise CareDeskError(f"no password: use --password-file, {env} or run on a terminal")

    def desk(self, *, readonly: bool = False) -> Desk:
        if self._desk is None:
            self._desk = unlock(self.paths, self.login(), self.password(), readonly=readonly)
        return self._desk

    def close(self) -> None:
        if self._desk is not None:
            self._desk.close()
            self._desk = None

    @staticmethod
    def emit_json(data: Any) -> None:
        json.dump(data, sys.stdout, indent=2, default=str, ensure_ascii=False)
        sys.stdout.write("\n")
