"""The wheel carries every data file the code reads, and an installed wheel works on its own
(issue 18): a handout renders from an installed copy that has no source tree beside it.

The wheel is built by pip from a copy of the packages (the repository's own files never get a
``build/`` folder), installed with ``pip install --no-deps --target`` into a temporary folder,
and run in a child process whose import path holds only that folder and the test environment's
dependencies, so nothing can come from the source tree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import bundle
import pytest
from pypdf import PdfReader

ROOT = bundle.ROOT
CODE = (".py", ".pyc")

pytestmark = pytest.mark.slow


def _pip(*args: str, cwd: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pip", *args, "--quiet", "--disable-pip-version-check"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """caredesk-*.whl built by pip from a copy of the project (packages and pyproject only)."""
    source = tmp_path_factory.mktemp("source")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in ("careDesk", "ui"):
        shutil.copytree(ROOT / package, source / package, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    out = tmp_path_factory.mktemp("wheel")
    _pip("wheel", "--no-deps", ".", "-w", str(out), cwd=source)
    (built,) = out.glob("caredesk-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel installed alone into a folder (its dependencies come from this environment)."""
    target = tmp_path_factory.mktemp("site")
    _pip("install", "--no-deps", "--target", str(target), str(wheel), cwd=target)
    return target


def _wheel_data(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return {
            name
            for name in archive.namelist()
            if name.split("/")[0] in ("careDesk", "ui") and not name.endswith(CODE)
        }


def test_the_wheel_carries_the_fonts_phrases_style_and_icon(wheel: Path) -> None:
    data = _wheel_data(wheel)
    for shipped in (
        "careDesk/resources/fonts/DejaVuSans.ttf",
        "careDesk/resources/fonts/DejaVuSans-Bold.ttf",
        "careDesk/resources/fonts/LICENSE-DejaVu.txt",
        "careDesk/resources/phrases/en.json",
        "careDesk/resources/phrases/es.json",
        "careDesk/resources/phrases/vi.json",
        "careDesk/resources/phrases/_warning_signs.json",
        "careDesk/resources/phrases/_conditions.json",
        "careDesk/sync/server_schema.sql",
        "careDesk/store/migrations/script.py.mako",
        "ui/resources/style.qss",
        "ui/resources/icons/caredesk.svg",
    ):
        assert shipped in data
    with zipfile.ZipFile(wheel) as archive:
        font = archive.read("careDesk/resources/fonts/DejaVuSans.ttf")
    assert font == (ROOT / "careDesk/resources/fonts/DejaVuSans.ttf").read_bytes()


def test_the_wheel_and_the_frozen_app_carry_the_same_data_files(wheel: Path) -> None:
    """One list (pyproject's package-data) decides both, and it misses no file of the tree."""
    bundled = {
        Path(src).relative_to(ROOT).as_posix()
        for src, _ in bundle.own_data()
        if not src.endswith(CODE)
    }
    assert _wheel_data(wheel) == bundled


def _run_installed(site: Path, code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # -P: the working folder is not put on the path; PYTHONPATH holds only the installed copy.
    env = {**os.environ, "PYTHONPATH": str(site), "QT_QPA_PLATFORM": "offscreen"}
    env["CAREDESK_DATA_DIR"] = str(cwd / "data")
    return subprocess.run(
        [sys.executable, "-P", "-c", code],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


HANDOUT_SCRIPT = """
import sys
from pathlib import Path

import careDesk, ui
site = Path({site!r})
for module in (careDesk, ui):
    assert Path(module.__file__).is_relative_to(site), module.__file__

from careDesk.paths import VaultPaths
from careDesk.store import keyslots
from careDesk.store.vault import create_vault
from careDesk.handouts.render import write_pdf
from careDesk.interop.packet import font_names

keyslots.ARGON2_DEFAULTS = {{"time_cost": 1, "memory_cost": 8192, "parallelism": 1}}
desk, _ = create_vault(VaultPaths(Path("vault")), "admin", "correct horse battery staple")
try:
    desk.settings.set("clinic.name", "Wheel clinic")
    patient = desk.patients.create(
        given_name="Lan", family_name="Nguyễn", mrn="W-1", birth_date="1950-01-01",
        language="vi",
    ).value
    desk.clinical.add_condition(patient.id, display="Type 2 diabetes", icd10="E11.9")
    pdf = desk.handouts.patient_handout(patient.id, "vi")
    write_pdf(Path("handout.pdf"), pdf)
    print(font_names()[0])
finally:
    desk.close()
"""


def test_a_handout_renders_from_the_installed_wheel(installed: Path, tmp_path: Path) -> None:
    done = _run_installed(installed, HANDOUT_SCRIPT.format(site=str(installed)), tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    reader = PdfReader(tmp_path / "handout.pdf")
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Nguyễn" in text  # the Vietnamese name prints with its accents (the DejaVu font)
    # The diabetes warning signs (E11 in _conditions.json, titled in vi.json): the phrase
    # files, the condition table and the warning-sign catalog all came from the wheel.
    assert "Bệnh tiểu đường" in text
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert any(name.endswith("+DejaVuSans") for name in fonts)  # embedded as a subset
    assert done.stdout.strip() == "CareDeskSans"  # the referral packet uses the same font


def test_the_installed_wheel_passes_its_self_test(installed: Path, tmp_path: Path) -> None:
    """``caredesk --self-test`` from the installed copy: vault, handout, style sheet, icon."""
    code = "import sys; from ui.entry import main; sys.argv[1:] = ['--self-test']; sys.exit(main())"
    done = _run_installed(installed, code, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    assert "style and icon" in done.stdout


@pytest.fixture(autouse=True)
def _no_build_folders() -> Iterator[None]:
    """Building never leaves a build/ or egg-info folder in the repository."""
    before = {path.name for path in ROOT.iterdir()}
    yield
    after = {path.name for path in ROOT.iterdir()}
    assert not {name for name in after - before if name == "build" or name.endswith("egg-info")}
