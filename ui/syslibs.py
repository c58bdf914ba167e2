"""Before Qt starts: do the system libraries its platform plugin needs load?

Qt 6.5 and later load the Linux desktop plugin (``xcb``) only when ``libxcb-cursor0`` and a
few other X11 libraries are installed; Ubuntu desktops and minimal Debian lack some of them, and
Qt then aborts with "Could not load the Qt platform plugin". This module asks the dynamic linker
(``ldd``) what the plugin cannot find, *without* importing Qt, and turns the answer into one line
naming the Debian/Ubuntu packages and the command to install them.

Run as ``python -m ui.syslibs [PLATFORM…]`` (``make run`` and ``make test`` do), or
``python -m ui.syslibs --packages PLATFORM…`` to print just the missing package names (``.ci/run``).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

#: The Debian/Ubuntu package that provides each library Qt's platform plugins load.
DEBIAN_PACKAGES: dict[str, str] = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xinput.so.0": "libxcb-xinput0",
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libGLX.so.0": "libglx0",
    "libGLdispatch.so.0": "libglvnd0",
    "libOpenGL.so.0": "libopengl0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libdbus-1.so.3": "libdbus-1-3",
    "libwayland-client.so.0": "libwayland-client0",
    "libwayland-cursor.so.0": "libwayland-cursor0",
    "libwayland-egl.so.1": "libwayland-egl1",
}

_NOT_FOUND = re.compile(r"^\s*(\S+)\s*=>\s*not found", re.MULTILINE)
_DLOPEN_ERROR = re.compile(r"(\S+\.so[.\d]*): cannot open shared object file")


def default_platform() -> str:
    """The plugin Qt will try first: ``QT_QPA_PLATFORM`` (``xcb`` when unset on Linux)."""
    wanted = os.environ.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    return wanted or "xcb"


def plugin_path(platform: str) -> Path | None:
    """The file of Qt's ``platform`` plugin inside the installed PySide6, found without Qt."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "Qt" / "plugins" / "platforms"
    path = folder / f"libq{platform}.so"
    return path if path.is_file() else None


def missing_libraries(plugin: Path) -> list[str]:
    """The shared libraries ``plugin`` needs that the dynamic linker cannot find, in order."""
    ldd = shutil.which("ldd")
    if ldd is not None:
        out = subprocess.run(
            [ldd, str(plugin)], capture_output=True, text=True, timeout=30, check=False
        ).stdout
        return list(dict.fromkeys(_NOT_FOUND.findall(out)))
    import ctypes  # no ldd (unusual): dlopen names the first library it cannot find

    try:
        ctypes.CDLL(str(plugin))
    except OSError as exc:
        return _DLOPEN_ERROR.findall(str(exc))
    return []


def packages_for(libraries: Sequence[str]) -> list[str]:
    """The Debian/Ubuntu packages providing ``libraries`` (a library we do not know: its name)."""
    return list(dict.fromkeys(DEBIAN_PACKAGES.get(lib, lib) for lib in libraries))


def advice(platform: str, libraries: Sequence[str]) -> str:
    """One line saying what is missing and the command that installs it."""
    packages = " ".join(packages_for(libraries))
    return (
        f"careDesk cannot start Qt's '{platform}' display: missing system libraries "
        f"{', '.join(libraries)}. Install them with: sudo apt install {packages} "
        "(see README, System requirements)"
    )


def problem(platform: str | None = None) -> str | None:
    """The one-line fix when ``platform``'s plugin cannot load here; ``None`` when it can."""
    if not sys.platform.startswith("linux"):
        return None  # Windows and macOS wheels carry what their plugins need
    platform = platform or default_platform()
    plugin = plugin_path(platform)
    if plugin is None:
        return None  # not a plugin this PySide6 ships: Qt itself says what it knows
    missing = missing_libraries(plugin)
    return advice(platform, missing) if missing else None


def main(argv: Sequence[str] | None = None) -> int:
    """Check each platform named (default: the one Qt will use); 1 with the fix when missing."""
    args = list(sys.argv[1:] if argv is None else argv)
    only_packages = "--packages" in args
    platforms = [a for a in args if a != "--packages"] or [default_platform()]
    missing: list[str] = []
    lines: list[str] = []
    for platform in platforms:
        plugin = plugin_path(platform) if sys.platform.startswith("linux") else None
        libs = missing_libraries(plugin) if plugin is not None else []
        missing += libs
        if libs:
            lines.append(advice(platform, libs))
    if only_packages:
        print(" ".join(packages_for(missing)))
        return 0
    for line in lines:
        print(line, file=sys.stderr)
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main())
