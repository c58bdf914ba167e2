"""Trend plots of a patient's series with pyqtgraph: one lane per measure in a single plot that
shares the date axis, each lane scaled to its own values, the goal's target as a shaded band in
the lane, stale series greyed.

One ``PlotItem`` for every series (not one plot widget per measure: pyqtgraph builds each plot
with its axes and view box in Python, tens of milliseconds apiece), so a chart with many series
and 2,000 values still opens within its budget (docs/architecture.md#performance-budgets).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QBrush, QColor, QPen
from PySide6.QtWidgets import QGraphicsRectItem

from careDesk.care.measures.progress import Progress
from careDesk.care.measures.series import Series
from careDesk.care.measures.targets import Target, in_measure_unit

pg.setConfigOptions(antialias=True, background="w", foreground="#333333")

LINE = "#1f5fa8"
SECOND = "#7a4fa3"
STALE = "#9a9a9a"
BAND = QColor(46, 139, 87, 55)
LANE = 0.6  # share of a lane the values use (from its bottom); the rest holds the title
LANE_PIXELS = 95


@dataclass(frozen=True)
class Lane:
    """Where one series is drawn: its lane's bottom and the value range mapped onto it."""

    bottom: float
    low: float
    high: float

    def y(self, value: float) -> float:
        """A value's height in the plot."""
        span = self.high - self.low or 1.0
        return self.bottom + LANE * (value - self.low) / span


def band_of(target: Target, low: float, high: float) -> tuple[float, float] | None:
    """The value range that meets the target, clipped to the lane (None: a change target)."""
    if target.rule in ("below", "at_most"):
        return (low, min(high, target.value))
    if target.rule in ("above", "at_least"):
        return (max(low, target.value), high)
    if target.rule == "between" and target.value2 is not None:
        return (max(low, target.value), min(high, target.value2))
    return None


def _title(series: Series, goal: Progress | None, stale: bool) -> str:
    latest = series.latest()
    parts = [f"<b>{series.display}</b>"]
    if latest is not None:
        parts.append(f"{series.format(latest)} on {latest.at:%Y-%m-%d}")
    if goal is not None and goal.target:
        parts.append(f"target {goal.target}: {goal.status}")
    if stale:
        parts.append(f"STALE (older than {series.lookback_days} days)")
    color = STALE if stale else "#222222"
    return f"<span style='color:{color}'>{' · '.join(parts)}</span>"


def _target(series: Series, goal: Progress | None) -> Target | None:
    if goal is None or goal.rule is None or series.measure is None:
        return None
    return in_measure_unit(goal.rule, series.measure)


def _lane(series: Series, target: Target | None, bottom: float) -> Lane:
    values = [p.value for p in series.usable() if p.value is not None]
    values += [p.value2 for p in series.usable() if p.value2 is not None]
    if target is not None and target.rule != "lose":
        values += [v for v in (target.value, target.value2) if v is not None]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    pad = (high - low) * 0.08 or 1.0
    return Lane(bottom, low - pad, high + pad)


def _draw(plot: pg.PlotItem, series: Series, goal: Progress | None, stale: bool,
          bottom: float, x_range: tuple[float, float]) -> None:  # fmt: skip
    target = _target(series, goal)
    lane = _lane(series, target, bottom)
    points = series.usable()
    xs = [p.at.timestamp() for p in points]
    color = STALE if stale else LINE
    band = band_of(target, lane.low, lane.high) if target is not None else None
    if band is not None and band[0] < band[1]:
        rect = QGraphicsRectItem(QRectF(x_range[0], lane.y(band[0]), x_range[1] - x_range[0],
                                        lane.y(band[1]) - lane.y(band[0])))  # fmt: skip
        rect.setBrush(QBrush(BAND))
        rect.setPen(QPen(QColor(0, 0, 0, 0)))
        plot.addItem(rect)
    if points:
        ys = [lane.y(p.value or 0.0) for p in points]
        plot.addItem(pg.PlotCurveItem(xs, ys, pen=pg.mkPen(color, width=2)))
        seconds = [p.value2 for p in points if p.value2 is not None]
        if len(seconds) == len(points):
            pen = pg.mkPen(STALE if stale else SECOND, width=2)
            plot.addItem(pg.PlotCurveItem(xs, [lane.y(v) for v in seconds], pen=pen))
        last = points[-1]
        marks = [(xs[-1], lane.y(last.value or 0.0))]
        if last.value2 is not None:
            marks.append((xs[-1], lane.y(last.value2)))
        plot.addItem(pg.ScatterPlotItem([m[0] for m in marks], [m[1] for m in marks], size=7,
                                        brush=pg.mkBrush(color), pen=None))  # fmt: skip
    title = pg.TextItem(html=_title(series, goal, stale), anchor=(0, 0))
    title.setPos(x_range[0], bottom + 0.97)  # top left of the lane, above its values
    plot.addItem(title)


def fill_plot(
    plot: pg.PlotItem, found: list[Series], goals: dict[str, Progress], stale: list[bool]
) -> None:
    """Draw every series in its lane, the first at the top."""
    plot.clear()
    stamps = [p.at.timestamp() for s in found for p in s.usable()]
    low, high = (min(stamps), max(stamps)) if stamps else (0.0, 1.0)
    span = (high - low) or 86400.0
    x_range = (low - span * 0.02, high + span * 0.02)
    for index, series in enumerate(found):
        bottom = float(len(found) - 1 - index)
        _draw(plot, series, goals.get(series.key), stale[index], bottom, x_range)
    plot.setXRange(*x_range, padding=0)
    plot.setYRange(0, max(1, len(found)), padding=0.01)


def lane_at(count: int, y: float) -> int | None:
    """Which series (from the top) a height in the plot belongs to."""
    if count == 0 or not 0 <= y < count:
        return None
    return count - 1 - int(y)


def new_plot() -> tuple[pg.GraphicsLayoutWidget, pg.PlotItem]:
    """The widget and its one plot: a date axis below, no value axis (each lane has its own
    scale; the lane's title and the table give the numbers)."""
    widget = pg.GraphicsLayoutWidget()
    plot = widget.addPlot(axisItems={"bottom": pg.DateAxisItem()})
    plot.hideAxis("left")
    plot.setMenuEnabled(False)
    plot.setMouseEnabled(x=False, y=False)
    plot.hideButtons()
    return widget, plot
