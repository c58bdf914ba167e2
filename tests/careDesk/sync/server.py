"""A throwaway PostgreSQL 15 cluster for the sync tests and benchmarks.

``initdb`` in a temporary folder, TLS with a certificate authority made here (``cryptography``),
SCRAM passwords, listening on 127.0.0.1 at a free port. As root the server runs as ``postgres``
through ``runuser`` (PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import time_machine
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ADMIN = "clinicadmin"
ADMIN_PASSWORD = "admin-pass-for-tests"
# The change log with one line per row changed: a first upload's entry stands for many rows.
CHANGED_ROWS = (
    "(SELECT clinic_id, txid, seq, tbl, row_id FROM sync.change_log WHERE ids IS NULL"
    " UNION ALL SELECT clinic_id, txid, seq, tbl, unnest(ids) AS row_id FROM sync.change_log"
    " WHERE ids IS NOT NULL)"
)


def _bin(name: str) -> str:
    for folder in ("/usr/lib/postgresql/15/bin",):
        if Path(folder, name).exists():
            return str(Path(folder, name))
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"PostgreSQL 15 {name} not found (install postgresql-15)")
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _certificates(folder: Path) -> None:
    """ca.crt, server.crt and server.key for localhost / 127.0.0.1, valid by the real clock
    (OpenSSL reads it, not the run's: tests/steady_clock.py)."""
    hatch = time_machine.escape_hatch  # its clock raises in a process not travelling
    now = (hatch.datetime.datetime if hatch.is_travelling() else dt.datetime).now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("careDesk test CA"))
        .issuer_name(_name("careDesk test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    san = x509.SubjectAlternativeName(
        [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(san, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    (folder / "ca.crt").write_bytes(ca.public_bytes(pem))
    (folder / "server.crt").write_bytes(cert.public_bytes(pem))
    (folder / "server.key").write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


def processes() -> Iterator[tuple[int, list[str]]]:
    """Each running process's id and the fields of its ``/proc/<pid>/stat`` after the command
    name (Linux; none elsewhere): ``fields[1]`` the parent's id, ``fields[11:15]`` its CPU
    ticks (user, system, and those of the children it has waited for)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # the process ended meanwhile
        yield int(stat.parent.name), text[text.rindex(")") + 2 :].split()


@dataclass
class Cluster:
    """A running server: its folder, port and the CA file clients verify it with."""

    folder: Path
    port: int

    @property
    def ca_file(self) -> Path:
        return self.folder / "ca.crt"

    def url(self, database: str = "clinic") -> str:
        """The clinic URL a workstation is configured with (no credentials)."""
        return f"postgresql://localhost:{self.port}/{database}?sslrootcert={self.ca_file}"

    def admin_url(self, database: str = "clinic") -> str:
        """An administrator's URL (as given to ``caredesk sync --setup-server``)."""
        return (
            f"postgresql://{ADMIN}:{ADMIN_PASSWORD}@localhost:{self.port}/{database}"
            f"?sslmode=verify-full&sslrootcert={self.ca_file}"
        )

    def cpu_seconds(self) -> float:
        """CPU time the server's processes have used so far (Linux ``/proc``; NaN elsewhere):
        the server and the workstations share this machine's cores in the benchmarks."""
        try:
            postmaster = int((self.folder / "data" / "postmaster.pid").read_text().split()[0])
            ticks = 0
            for pid, fields in processes():
                if pid == postmaster:  # with the children it has reaped
                    ticks += sum(int(f) for f in fields[11:15])
                elif int(fields[1]) == postmaster:
                    ticks += int(fields[11]) + int(fields[12])
            return ticks / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError):
            return float("nan")

    def stop(self) -> None:
        """Stop the server and delete its folder."""
        _run([_bin("pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate", "stop"])
        shutil.rmtree(self.folder, ignore_errors=True)


def _as_server(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _run(cmd: list[str], stdin: str | None = None) -> None:
    subprocess.run(
        _as_server(cmd), check=True, capture_output=True, text=True, input=stdin, timeout=120
    )


def start() -> Cluster:
    """initdb, configure TLS and SCRAM, start, and create the ``clinic`` database."""
    folder = Path(tempfile.mkdtemp(prefix="caredesk-pg-"))
    os.chmod(folder, 0o755)
    data = folder / "data"
    _certificates(folder)
    pwfile = folder / "pw"
    pwfile.write_text(ADMIN_PASSWORD + "\n")
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
        for f in ("server.key", "server.crt", "ca.crt", "pw"):
            shutil.chown(folder / f, "postgres", "postgres")
    os.chmod(folder / "server.key", 0o600)
    _run(
        [
            _bin("initdb"), "-D", str(data), "-U", ADMIN, "--pwfile", str(pwfile),
            "--auth-local=scram-sha-256", "--auth-host=scram-sha-256", "-E", "UTF8",
            "--no-instructions",
        ]
    )  # fmt: skip
    port = _free_port()
    (data / "postgresql.auto.conf").write_text(
        f"listen_addresses = '127.0.0.1'\nport = {port}\n"
        f"unix_socket_directories = '{folder}'\n"
        "ssl = on\n"
        f"ssl_cert_file = '{folder / 'server.crt'}'\n"
        f"ssl_key_file = '{folder / 'server.key'}'\n"
        "password_encryption = 'scram-sha-256'\n"
        "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
        "shared_buffers = 64MB\nmax_connections = 40\n"
    )
    (data / "pg_hba.conf").write_text(
        "local all all scram-sha-256\nhostssl all all 127.0.0.1/32 scram-sha-256\n"
    )
    if os.geteuid() == 0:
        shutil.chown(data / "postgresql.auto.conf", "postgres", "postgres")
    _run([_bin("pg_ctl"), "-D", str(data), "-w", "-l", str(folder / "log"), "start"])
    cluster = Cluster(folder, port)
    import psycopg

    with psycopg.connect(cluster.admin_url("postgres"), autocommit=True) as conn:
        conn.execute("CREATE DATABASE clinic")
    return cluster
