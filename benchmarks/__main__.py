"""Benchmark runner: ``python -m benchmarks [NAME ...]``.

Imports every ``benchmarks/bench_*.py`` module (or only those named on the command line, with or
without the ``bench_`` prefix) and calls its ``run(report)``. ``report(name, measured_seconds,
budget_seconds, unencrypted_seconds=None)`` prints one line::

    name: 12.3 ms / 300.0 ms = 0.04 ×   enc÷plain = 1.12

Budgets are ceilings: a ratio above 1 is marked OVER. A summary closes the run. The exit status is
0 even when a measurement is over budget (benchmarks inform, tests decide); it is 1 only when a
benchmark module fails to import or raises.
"""

from __future__ import annotations

import importlib
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


class Report(Protocol):
    """The callable handed to each benchmark's ``run``."""

    def __call__(
        self,
        name: str,
        measured_seconds: float,
        budget_seconds: float,
        unencrypted_seconds: float | None = None,
    ) -> None: ...


@dataclass
class Result:
    """One reported measurement."""

    module: str
    name: str
    measured: float
    budget: float
    plain: float | None = None

    @property
    def ratio(self) -> float:
        """Measured time as a multiple of the budget."""
        return self.measured / self.budget if self.budget > 0 else float("inf")

    @property
    def over(self) -> bool:
        """True when the measurement exceeds its budget."""
        return self.ratio > 1.0

    def line(self) -> str:
        """The one-line printed form."""
        text = (
            f"{self.name}: {self.measured * 1000:.1f} ms / {self.budget * 1000:.1f} ms"
            f" = {self.ratio:.2f} ×"
        )
        if self.plain is not None and self.plain > 0:
            text += f"   enc÷plain = {self.measured / self.plain:.2f}"
        if self.over:
            text += "   OVER"
        return text


@dataclass
class Runner:
    """Collects results across benchmark modules and prints them as they arrive."""

    results: list[Result] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    current: str = ""

    def report(
        self,
        name: str,
        measured_seconds: float,
        budget_seconds: float,
        unencrypted_seconds: float | None = None,
    ) -> None:
        """Record and print one measurement (see the module docstring)."""
        result = Result(self.current, name, measured_seconds, budget_seconds, unencrypted_seconds)
        self.results.append(result)
        print(result.line(), flush=True)

    def run_module(self, module_name: str) -> None:
        """Import ``benchmarks.<module_name>`` and call its ``run(report)``."""
        self.current = module_name
        print(f"== {module_name}", flush=True)
        started = time.perf_counter()
        try:
            module = importlib.import_module(f"benchmarks.{module_name}")
            run: Callable[[Report], object] = module.run
            run(self.report)
        except Exception:  # a broken benchmark must not hide the others' numbers
            self.failed.append(module_name)
            traceback.print_exc()
            print(f"{module_name}: FAILED", flush=True)
        print(f"   ({time.perf_counter() - started:.1f} s)", flush=True)

    def summary(self) -> str:
        """The closing summary lines."""
        over = [r for r in self.results if r.over]
        lines = [
            "== summary",
            f"{len(self.results)} measurements, {len(self.results) - len(over)} within budget, "
            f"{len(over)} OVER, {len(self.failed)} modules failed",
        ]
        lines += [f"OVER  {r.module}: {r.line()}" for r in over]
        lines += [f"FAILED {name}" for name in self.failed]
        return "\n".join(lines)


def discover(names: list[str]) -> list[str]:
    """Benchmark module names: all ``bench_*.py`` here, or the ones asked for, in order."""
    here = Path(__file__).resolve().parent
    available = sorted(p.stem for p in here.glob("bench_*.py"))
    if not names:
        return available
    chosen: list[str] = []
    for name in names:
        stem = Path(name).stem
        stem = stem if stem.startswith("bench_") else f"bench_{stem}"
        if stem not in available:
            raise SystemExit(f"No benchmark named {name!r}. Available: {', '.join(available)}")
        chosen.append(stem)
    return chosen


def main(argv: list[str] | None = None) -> int:
    """Run the chosen benchmarks; return the process exit status."""
    args = sys.argv[1:] if argv is None else argv
    if any(a in ("-h", "--help") for a in args):
        print(__doc__)
        return 0
    runner = Runner()
    for name in discover(args):
        runner.run_module(name)
    print(runner.summary(), flush=True)
    return 1 if runner.failed else 0


if __name__ == "__main__":
    sys.exit(main())
