"""A throwaway Dovecot IMAP server on loopback, for the reply tests.

A config of its own in a temporary folder (no system config read), IMAP over TLS only on a free
port, a self-signed certificate made with ``openssl`` for localhost / 127.0.0.1, one passwd-file
user and Maildir storage. Dovecot runs in the foreground as a child of the test (``-F``) and
logs to its stderr, which is read until it reports it is up (no sleeping). As root, mail
processes run as ``nobody`` (Dovecot refuses root for mail); otherwise as the current user.
Debian: ``apt-get install -y dovecot-imapd``.
"""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import queue
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

DOVECOT = "/usr/sbin/dovecot"
USER = "clinic"
PASSWORD = "mailbox-pass-for-tests"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _certificate(folder: Path) -> None:
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip


def _accounts() -> tuple[str, str, int, int]:
    """(internal user, its group, mail uid, mail gid) for the way the tests run."""
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        return "dovecot", "dovecot", nobody.pw_uid, nobody.pw_gid
    me = pwd.getpwuid(os.geteuid())
    return me.pw_name, grp.getgrgid(me.pw_gid).gr_name, me.pw_uid, me.pw_gid


CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = /dev/stderr
info_log_path = /dev/stderr
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = plain
default_internal_user = {internal}
default_internal_group = {group}
default_login_user = {internal}
first_valid_uid = {uid}
first_valid_gid = {gid}
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/users/%u
}}
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = {port}
    ssl = yes
  }}
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


@dataclass
class ImapServer:
    root: Path
    port: int
    process: subprocess.Popen[str]
    log: list[str] = field(default_factory=list)
    reader: threading.Thread | None = None

    @property
    def ca_file(self) -> Path:
        return self.root / "cert.pem"

    def connect(self) -> imaplib.IMAP4_SSL:
        context = ssl.create_default_context(cafile=str(self.ca_file))
        conn = imaplib.IMAP4_SSL("127.0.0.1", self.port, ssl_context=context, timeout=30)
        conn.login(USER, PASSWORD)
        return conn

    def deliver(self, raw: bytes) -> None:
        """Put one message in the inbox (IMAP APPEND, as a mail server delivering it would)."""
        conn = self.connect()
        try:
            status, _ = conn.append("INBOX", None, None, raw)
            assert status == "OK"
        finally:
            conn.logout()

    def flagged(self, keyword: str) -> int:
        """How many inbox messages carry ``keyword``."""
        conn = self.connect()
        try:
            conn.select("INBOX")
            _, data = conn.search(None, "KEYWORD", keyword)
            return len(data[0].split()) if data and data[0] else 0
        finally:
            conn.logout()

    def unseen(self) -> int:
        conn = self.connect()
        try:
            conn.select("INBOX")
            _, data = conn.search(None, "UNSEEN")
            return len(data[0].split()) if data and data[0] else 0
        finally:
            conn.logout()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(30)
        if self.reader is not None:
            self.reader.join(30)
        if self.process.stderr is not None:
            self.process.stderr.close()
        shutil.rmtree(self.root, ignore_errors=True)


def start() -> ImapServer:
    if not Path(DOVECOT).exists():
        raise RuntimeError("Dovecot not found: apt-get install -y dovecot-imapd")
    root = Path(tempfile.mkdtemp(prefix="caredesk-imap-"))
    os.chmod(root, 0o755)
    internal, group, uid, gid = _accounts()
    for sub in ("run", "state", "mail", "users"):
        (root / sub).mkdir()
    for sub in ("mail", "users"):
        os.chown(root / sub, uid, gid)
    _certificate(root)
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
    port = _free_port()
    config = root / "dovecot.conf"
    config.write_text(
        CONFIG.format(root=root, internal=internal, group=group, uid=uid, gid=gid, port=port)
    )
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(config)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    server = ImapServer(root, port, process)
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            server.log.append(line)
            lines.put(line)
        lines.put(None)

    server.reader = threading.Thread(target=read, daemon=True)
    server.reader.start()
    while True:
        try:
            line = lines.get(timeout=30)
        except queue.Empty:
            line = None
        if line is None:
            server.stop()
            raise RuntimeError("Dovecot did not start:\n" + "".join(server.log))
        if "starting up" in line:
            return server
