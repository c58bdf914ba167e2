"""Small trend plots of a patient's series with pyqtgraph: one row per measure, the goal's target
as a shaded band, stale series greyed. One ``GraphicsLayoutWidget`` holds every plot (one view,
not one per measure), so a chart with many series still opens quickly."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from careDesk.care.measures.progress import Progress
from careDesk.care.measures.series import Series
from careDesk.care.measures.targets import Target, in_measure_unit

pg.setConfigOptions(antialias=True, background="w", foreground="#333333")

LINE = "#1f5fa8"
SECOND = "#7a4fa3"
STALE = "#9a9a9a"
BAND = QColor(46, 139, 87, 45)
PLOT_HEIGHT = 110


def _band(target: Target, low: float, high: float) -> tuple[float, float] | None:
    """The y range a reading must fall in to meet the target (None for a change target)."""
    if target.rule in ("below", "at_most"):
        return (min(low, target.value) - 1, target.value)
    if target.rule in ("above", "at_least"):
        return (target.value, max(high, target.value) + 1)
    if target.rule == "between" and target.value2 is not None:
        return (target.value, target.value2)
    return None


def _title(series: Series, goal: Progress | None, stale: bool) -> str:
    latest = series.latest()
    parts = [series.display]
    if latest is not None:
        parts.append(f"{series.format(latest)} on {latest.at:%Y-%m-%d}")
    if goal is not None and goal.target:
        parts.append(f"target {goal.target}: {goal.status}")
    if stale:
        parts.append(f"STALE (older than {series.lookback_days} days)")
    color = STALE if stale else "#222222"
    return f"<span style='color:{color}'>{' · '.join(parts)}</span>"


def _plot(
    plots: pg.GraphicsLayoutWidget, series: Series, goal: Progress | None, stale: bool
) -> pg.PlotItem:
    points = series.usable()
    item: pg.PlotItem = plots.addPlot(axisItems={"bottom": pg.DateAxisItem()})
    item.setTitle(_title(series, goal, stale), size="9pt")
    item.setMinimumHeight(PLOT_HEIGHT)
    item.setMaximumHeight(PLOT_HEIGHT + 40)
    item.setMenuEnabled(False)
    item.setMouseEnabled(x=False, y=False)
    item.hideButtons()
    xs = [p.at.timestamp() for p in points]
    color = STALE if stale else LINE
    item.plot(xs, [p.value for p in points], pen=pg.mkPen(color, width=2), symbol="o",
              symbolSize=5, symbolBrush=color, symbolPen=None)  # fmt: skip
    seconds = [p.value2 for p in points if p.value2 is not None]
    if len(seconds) == len(points) and points:
        second = STALE if stale else SECOND
        item.plot(xs, seconds, pen=pg.mkPen(second, width=2), symbol="t", symbolSize=5,
                  symbolBrush=second, symbolPen=None)  # fmt: skip
    if goal is not None and goal.rule is not None and series.measure is not None:
        target = in_measure_unit(goal.rule, series.measure)
        values = [p.value for p in points if p.value is not None] + seconds
        band = _band(target, min(values, default=target.value), max(values, default=target.value))
        if band is not None:
            item.addItem(pg.LinearRegionItem(band, orientation="horizontal", movable=False,
                                             brush=BAND, pen=pg.mkPen(None)))  # fmt: skip
        if target.value2 is not None and target.rule in ("below", "above"):
            dashed = pg.mkPen(SECOND, style=Qt.PenStyle.DashLine)
            item.addItem(pg.InfiniteLine(target.value2, angle=0, pen=dashed))
    return item


def fill_plots(
    plots: pg.GraphicsLayoutWidget,
    found: list[Series],
    goals: dict[str, Progress],
    stale: Callable[[Series], bool],
) -> list[pg.PlotItem]:
    """Draw one small plot per series (``goals`` by series key), top to bottom."""
    plots.clear()
    items = []
    for series in found:
        items.append(_plot(plots, series, goals.get(series.key), stale(series)))
        plots.nextRow()
    plots.setMinimumHeight(max(1, len(found)) * (PLOT_HEIGHT + 30))
    return items


def clicked_row(items: list[pg.PlotItem], event: Any) -> int | None:
    """Which plot a scene click landed on."""
    pos = event.scenePos()
    for index, item in enumerate(items):
        if item.sceneBoundingRect().contains(pos):
            return index
    return None
