"""Handout benchmarks (issue 6, docs/architecture.md#performance-budgets) on a real encrypted
vault.

- two-page handout, median of 30: rendering alone (content → PDF bytes with the embedded,
  subset TrueType font, page frames, "Page n of m"); and the whole print verb (read the record,
  render, write the audit event); budget 50 ms. Beside it, the floor: bare reportlab (platypus,
  built-in Helvetica, no frame) setting the same words at the same size.
- 500 handouts in one batch (``batch_for_appointments``: read 500 records, one PDF, 500 audit
  events); budget 20 s.
"""

from __future__ import annotations

import io
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from pypdf import PdfReader
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, SimpleDocTemplate

from careDesk.desk import Desk
from careDesk.handouts.document import HandoutContent
from careDesk.handouts.render import render
from careDesk.paths import VaultPaths
from careDesk.store.vault import create_vault
from tests.careDesk.handouts import patients

Report = Callable[..., None]
RUNS = 30
BATCH = 500
LOGIN = "bench"
PASSWORD = "quiet lantern river 42"


def _median(fn: Callable[[], object], runs: int = RUNS) -> float:
    """Median wall time; the median CPU time is printed beside it (the machine may be shared)."""
    fn()  # warm: fonts parsed, styles built
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    print(f"   (median CPU time {statistics.median(cpu) * 1000:.1f} ms)")
    return statistics.median(wall)


def _pages(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)


def _bare_reportlab(content: HandoutContent) -> bytes:
    """The same words at 12 pt in bare reportlab: the library's floor for this document."""
    style = ParagraphStyle("plain", fontName="Helvetica", fontSize=12, leading=16.8, spaceAfter=6)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=LETTER)
    doc.build([Paragraph(escape(line), style) for line in content.plain_text().splitlines()])
    return buffer.getvalue()


def bench_two_pages(report: Report, desk: Desk, patient_id: str) -> None:
    """Median time of a two-page handout: render only, the whole verb, and bare reportlab."""
    content = desk.handouts.patient_content(patient_id, "en")
    pages = _pages(render([content]))
    print(f"   handout pages: {pages}; bare reportlab pages: {_pages(_bare_reportlab(content))}")
    report("handout render, two pages (median)", _median(lambda: render([content])), 0.050)
    report(
        "handout print verb: read + render + audit (median)",
        _median(lambda: desk.handouts.patient_handout(patient_id, "en")),
        0.050,
    )
    report("bare reportlab, same words (median)", _median(lambda: _bare_reportlab(content)), 0.050)


def _fill(desk: Desk, count: int) -> date:
    """``count`` patients, each with an appointment tomorrow (clinic time); returns that day."""
    now = patients.fixed_now()
    builders = (patients.add_maria, patients.add_robert)  # both have an appointment tomorrow
    for n in range(count):
        builder = builders[n % len(builders)]
        builder(desk, now=now, mrn=f"B-{n:05d}")  # type: ignore[operator]
    return (now.astimezone(ZoneInfo(patients.TZ)) + timedelta(days=1)).date()


def bench_batch(report: Report, desk: Desk) -> None:
    """500 patients' handouts in one batch PDF."""
    started = time.perf_counter()
    day = _fill(desk, BATCH)
    print(f"   (built {BATCH} patients in {time.perf_counter() - started:.1f} s)")
    started, started_cpu = time.perf_counter(), time.process_time()
    data = desk.handouts.batch_for_appointments(day)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    print(f"   batch: {_pages(data)} pages, {len(data) / 1e6:.1f} MB, CPU time {cpu:.1f} s")
    report(f"{BATCH} handouts in one batch", elapsed, 20.0)


def run(report: Report) -> None:
    """Entry point for ``python -m benchmarks``."""
    with tempfile.TemporaryDirectory() as folder:
        desk, _ = create_vault(VaultPaths(Path(folder) / "data"), LOGIN, PASSWORD)
        try:
            patients.set_up_clinic(desk)
            two_pages = patients.add_linh(desk, now=patients.fixed_now(), mrn="L-1", language="en")
            bench_two_pages(report, desk, two_pages.patient_id)
            bench_batch(report, desk)
        finally:
            desk.close()
