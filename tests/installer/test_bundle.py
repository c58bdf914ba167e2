"""What goes into the frozen app: the spec parses, every module loaded by name and every data
file is bundled inside its package (as in the wheel: tests/installer/test_wheel.py), unused Qt
plugins are dropped, platform plugins are named."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import bundle
import pytest

from careDesk.cli.main import COMMAND_MODULES
from ui.chart.view import TABS
from ui.main_window import PAGES

ROOT = bundle.ROOT
SPEC = ROOT / "installer" / "caredesk.spec"


def test_spec_parses_and_builds_one_folder_with_a_macos_bundle() -> None:
    tree = ast.parse(SPEC.read_text(encoding="utf-8"), filename=str(SPEC))
    calls = {
        node.func.id: node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert {"Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE"} <= calls.keys()
    exe = {kw.arg for kw in calls["EXE"].keywords}
    assert {"exclude_binaries", "icon", "console"} <= exe  # one folder, not one file
    bundle_args = {kw.arg for kw in calls["BUNDLE"].keywords}
    assert {"bundle_identifier", "info_plist", "icon", "version"} <= bundle_args


def test_pyinstaller_is_pinned_in_the_dist_extra() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert any(dep.startswith("pyinstaller==") for dep in project["optional-dependencies"]["dist"])


def test_every_module_loaded_by_name_is_a_hidden_import() -> None:
    hidden = set(bundle.own_modules())
    pages = {spec.page.__module__ for spec in PAGES}
    tabs = {spec.tab.__module__ for spec in TABS}
    assert set(COMMAND_MODULES) <= hidden
    assert pages <= hidden
    assert tabs <= hidden
    assert {"ui.entry", "ui.selftest", "careDesk.selftest", "careDesk.store.migrate"} <= hidden


def test_dev_tools_and_migrations_are_not_compiled_in() -> None:
    hidden = bundle.own_modules()
    assert "ui.stall" not in hidden and "ui.screenshots" not in hidden
    assert not [name for name in hidden if name.startswith("careDesk.store.migrations")]
    assert "careDesk.handouts.readability" not in hidden


def _source_data_files() -> set[str]:
    """Every file of the careDesk and ui packages that is not code: what the app may read."""
    return {
        path.relative_to(ROOT).as_posix()
        for package in ("careDesk", "ui")
        for path in (ROOT / package).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".py", ".pyc")
    }


def test_every_data_file_lands_inside_its_package() -> None:
    """Issue 18: no data folder beside the packages, and nothing the code reads left out."""
    data = {(Path(src).relative_to(ROOT).as_posix(), dest) for src, dest in bundle.own_data()}
    assert all(dest.split("/")[0] in ("careDesk", "ui") for _, dest in data)
    assert all(src.rsplit("/", 1)[0] == dest for src, dest in data)  # same folder as in source
    assert _source_data_files() <= {src for src, _ in data}
    for shipped in (
        "careDesk/resources/fonts/DejaVuSans.ttf",
        "careDesk/resources/fonts/DejaVuSans-Bold.ttf",
        "careDesk/resources/fonts/LICENSE-DejaVu.txt",
        "careDesk/resources/phrases/en.json",
        "careDesk/resources/phrases/_warning_signs.json",
        "careDesk/resources/phrases/_conditions.json",
        "careDesk/sync/server_schema.sql",
        "ui/resources/style.qss",
        "ui/resources/icons/caredesk.svg",
    ):
        assert shipped in {src for src, _ in data}


def test_the_migration_scripts_are_bundled_as_files() -> None:
    data = {(Path(src).relative_to(ROOT).as_posix(), dest) for src, dest in bundle.own_data()}
    migrations = "careDesk/store/migrations"
    assert (f"{migrations}/env.py", migrations) in data
    assert (f"{migrations}/script.py.mako", migrations) in data
    versions = sorted((ROOT / migrations / "versions").glob("0*.py"))
    assert versions
    for script in versions:
        assert (script.relative_to(ROOT).as_posix(), f"{migrations}/versions") in data
    assert not [src for src, _ in data if src.endswith(".py") and migrations not in src]


@pytest.mark.parametrize(
    ("dest", "kept"),
    [
        ("PySide6/Qt/plugins/platforms/libqxcb.so", True),
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True),
        ("PySide6/Qt/plugins/platforms/libqwayland.so", True),
        ("PySide6/plugins/platforms/qwindows.dll", True),
        ("PySide6/Qt/plugins/platforms/libqcocoa.dylib", True),
        ("PySide6/Qt/plugins/imageformats/libqsvg.so", True),
        ("PySide6/Qt/plugins/printsupport/libcupsprintersupport.so", True),
        ("PySide6/Qt/plugins/platforms/libqvnc.so", False),
        ("PySide6/Qt/plugins/platforms/libqeglfs.so", False),
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", False),
        ("PySide6/Qt/plugins/qmltooling/libqmldbg_tcp.so", False),
        ("PySide6/Qt/plugins/sqldrivers/libqsqlite.so", False),
        ("libcairo.so.2", False),
        ("libharfbuzz.so.0", False),
        ("libharfbuzz-fb49c9fc.so.0.61450.0", True),  # Pillow's own copy
        ("libQt6Gui.so.6", True),
        ("libglib-2.0.so.0", True),  # Qt's event loop links it
        ("sqlcipher3/_sqlite3.cpython-311-x86_64-linux-gnu.so", True),
    ],
)
def test_unused_qt_plugins_and_gtk_libraries_are_dropped(dest: str, kept: bool) -> None:
    assert bundle.keep_binary(dest) is kept


def test_the_desktop_platform_plugin_must_be_collected() -> None:
    linux = [("PySide6/Qt/plugins/platforms/libqxcb.so", "/src", "BINARY")]
    windows = [("PySide6/plugins/platforms/qwindows.dll", "C:/src", "BINARY")]
    mac = [("PySide6/Qt/plugins/platforms/libqcocoa.dylib", "/src", "BINARY")]
    assert bundle.platform_plugin_present(linux, "linux")
    assert bundle.platform_plugin_present(windows, "win32")
    assert bundle.platform_plugin_present(mac, "darwin")
    assert not bundle.platform_plugin_present(linux, "darwin")
    assert not bundle.platform_plugin_present(windows, "linux")


def test_excludes_cover_unused_toolkits_and_test_packages() -> None:
    for name in ("tkinter", "PySide6.QtWebEngineCore", "PySide6.Qt3DCore", "PySide6.QtMultimedia"):
        assert name in bundle.EXCLUDES
    for name in ("pytest", "hypothesis", "mypy"):
        assert name in bundle.EXCLUDES
    assert not {"PySide6.QtWidgets", "PySide6.QtPrintSupport", "sqlcipher3"} & set(bundle.EXCLUDES)
    # The Measures tab draws with pyqtgraph, which needs numpy (the built app's self-test opens it).
    needed = {"numpy", "pyqtgraph", "PySide6.QtOpenGL", "PySide6.QtOpenGLWidgets", "PySide6.QtTest"}
    assert not needed & set(bundle.EXCLUDES)


def test_version_icons_and_mac_bundle_settings() -> None:
    from careDesk import __version__

    assert bundle.version() == __version__
    assert Path(bundle.icon("win32")).read_bytes()[:4] == b"\x00\x00\x01\x00"  # ICO header
    assert Path(bundle.icon("linux")).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    plist = bundle.info_plist()
    assert plist["CFBundleShortVersionString"] == __version__
    assert plist["NSHighResolutionCapable"] is True
