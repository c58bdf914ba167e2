"""careDesk benchmarks: long measurements against budgets, run by ``make bench``.

Each ``benchmarks/bench_*.py`` module exposes ``run(report)``; see ``benchmarks.__main__``.
"""
