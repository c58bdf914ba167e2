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
from careDesk.logs import log_unexpected
from careDesk.ops import Runner
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
        """The vault files in the chosen data folder."""
        return vault_paths(self.args.data_dir)

    def login(self) -> str:
        """Who signs in: --user, CAREDESK_USER, or the only user of the vault."""
        login = self.args.user or os.environ.get("CAREDESK_USER")
        if login:
            return str(login)
        if self.paths.key_slots.exists():
            logins = KeySlotFile.load(self.paths.key_slots).logins()
            if len(logins) == 1:
                return logins[0]
        raise CareDeskError("say who you are with --user NAME or CAREDESK_USER")

    def password(self, prompt: str = "Password: ") -> str:
        """The signing-in password: --password-file, then CAREDESK_PASSWORD, then a prompt."""
        return self._secret(self.args.password_file, "CAREDESK_PASSWORD", "--password-file", prompt)

    def new_password(self) -> str:
        """A new password for ``users add|passwd``: --new-password-file, then
        CAREDESK_NEW_PASSWORD, then a prompt (typed twice). Never the signing-in password."""
        file = getattr(self.args, "new_password_file", None)
        if file or os.environ.get("CAREDESK_NEW_PASSWORD") or not sys.stdin.isatty():
            return self._secret(file, "CAREDESK_NEW_PASSWORD", "--new-password-file", "")
        first = getpass.getpass("New password: ")
        if getpass.getpass("Type it again: ") != first:
            raise CareDeskError("the two new passwords differ; nothing was changed")
        return first

    @staticmethod
    def secret_file(file: str | None, env: str) -> str:
        """A secret from ``file`` (or the environment variable ``env``), "" when neither."""
        if file or (env and os.environ.get(env)):
            return Context._secret(file, env, "", "")
        return ""

    @staticmethod
    def secret(file: str | None, env: str, option: str, prompt: str) -> str:
        """A secret: ``file``, then ``env``, then a prompt on a terminal."""
        return Context._secret(file, env, option, prompt)

    @staticmethod
    def _secret(file: str | None, env: str, option: str, prompt: str) -> str:
        if file:
            path = Path(file)
            try:
                return path.read_text(encoding="utf-8").rstrip("\r\n")
            except OSError as exc:
                raise CareDeskError(
                    f"cannot read the password file {path}: {exc.strerror}"
                ) from exc
        if os.environ.get(env):
            return os.environ[env]
        if prompt and sys.stdin.isatty():
            return getpass.getpass(prompt)
        raise CareDeskError(f"no password: use {option}, {env} or run on a terminal")

    def desk(self, *, readonly: bool = False) -> Desk:
        """The signed-in desk (opened on first use)."""
        if self._desk is None:
            self._desk = inline(
                unlock(self.paths, self.login(), self.password(), readonly=readonly)
            )
        return self._desk

    def close(self) -> None:
        """Sign out of the desk opened by the command (if any); never raises."""
        desk, self._desk = self._desk, None
        if desk is None:
            return
        try:
            desk.close()
        except CareDeskError as exc:  # e.g. a full disk: the sign-out could not be recorded
            print(f"caredesk: signing out: {exc.message}", file=sys.stderr)
        except Exception as exc:  # the command's own result stands; the vault is released
            log_unexpected(exc)

    @staticmethod
    def emit_json(data: Any) -> None:
        """Print ``data`` as JSON on stdout."""
        json.dump(data, sys.stdout, indent=2, default=str, ensure_ascii=False)
        sys.stdout.write("\n")


def inline(desk: Desk) -> Desk:
    """A command's desk runs its ops on the command's own thread (``careDesk/ops/runner.py``):
    the same road as the app's, and Ctrl+C stops the work itself."""
    desk.use_runner(Runner.inline_runner())
    return desk
