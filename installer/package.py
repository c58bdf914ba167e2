"""After ``pyinstaller``: turn ``dist/caredesk/`` into what a clinic downloads.

Linux: the desktop entry, icons and ``install.sh`` go into the app folder, which is packed into
``dist/caredesk-<version>-linux-<machine>.tar.gz``. The archive is reproducible: entries sorted,
owner root, every timestamp set to ``SOURCE_DATE_EPOCH`` (else the last commit's time), so the
same build packs to the same bytes. Windows and macOS installers are made by their own tools
(installer/README.md); there this prints the next step.
"""

from __future__ import annotations

import gzip
import os
import platform
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import bundle  # noqa: E402  (installer/bundle.py)

LINUX_EXTRAS = {
    HERE / "linux" / "caredesk.desktop": "caredesk.desktop",
    HERE / "linux" / "install.sh": "install.sh",
    HERE / "icons" / "caredesk.png": "caredesk.png",
    HERE / "icons" / "caredesk.svg": "caredesk.svg",
}


def build_time() -> int:
    """The archive's timestamp: SOURCE_DATE_EPOCH, else the last commit, else 0."""
    if "SOURCE_DATE_EPOCH" in os.environ:
        return int(os.environ["SOURCE_DATE_EPOCH"])
    try:
        done = subprocess.run(
            ["git", "log", "-1", "--format=%ct"],
            cwd=bundle.ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return 0
    return int(done.stdout.strip() or 0)


def add_linux_extras(app: Path) -> None:
    """Copy the desktop entry, icons and install script into the app folder."""
    for source, name in LINUX_EXTRAS.items():
        shutil.copy2(source, app / name)
    (app / "install.sh").chmod(0o755)


def _normalized(info: tarfile.TarInfo, mtime: int) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    info.mtime = mtime
    if info.isfile() or info.isdir():
        executable = info.isdir() or info.mode & 0o111
        info.mode = 0o755 if executable else 0o644
    return info


def write_archive(app: Path, target: Path, mtime: int) -> Path:
    """Pack ``app`` as ``target`` (.tar.gz) with sorted entries and fixed metadata."""
    paths = [app, *sorted(app.rglob("*"))]
    with (
        target.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=mtime, compresslevel=6) as packed,
        tarfile.open(fileobj=packed, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for path in paths:
            name = str(Path(app.name) / path.relative_to(app))
            info = _normalized(tar.gettarinfo(str(path), arcname=name), mtime)
            if info.isfile():
                with path.open("rb") as data:
                    tar.addfile(info, data)
            else:
                tar.addfile(info)
    return target


def linux_archive_name(version: str, machine: str) -> str:
    """``caredesk-0.1.0-linux-x86_64.tar.gz``."""
    return f"{bundle.APP_NAME}-{version}-linux-{machine}.tar.gz"


def main(dist: Path) -> int:
    """Package the built app in ``dist``; the exit status."""
    app = dist / bundle.APP_NAME
    if not (app / bundle.APP_NAME).exists() and not (app / f"{bundle.APP_NAME}.exe").exists():
        print(f"package: no built app in {app}; run pyinstaller first", file=sys.stderr)
        return 1
    if sys.platform.startswith("linux"):
        add_linux_extras(app)
        name = linux_archive_name(bundle.version(), platform.machine())
        target = write_archive(app, dist / name, build_time())
        print(f"package: {target} ({target.stat().st_size / 2**20:.0f} MiB)")
    elif sys.platform == "win32":
        print(f"package: next, iscc /DAppVersion={bundle.version()} installer\\caredesk.iss")
    else:
        print("package: dist/careDesk.app is built; sign and notarize it (installer/README.md)")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else bundle.ROOT / "dist"))
