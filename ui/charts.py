"""A small horizontal bar chart drawn with QPainter (QtCharts is not in PySide6-Essentials).

Sizes follow the font, so the chart scales with the screen's zoom (125–200 %). Its values are
also in its accessible description, for screen readers.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

BAR = QColor("#2f6fb2")
TEXT = QColor("#1f2933")


class BarChart(QWidget):
    """Labelled horizontal bars with their values."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.bars: list[tuple[str, float]] = []
        self.suffix = ""
        self.setAccessibleName(title)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

    def set_bars(self, bars: Sequence[tuple[str, float]], suffix: str = "") -> None:
        """Show ``bars`` as (label, value); ``suffix`` follows each value (e.g. "%")."""
        self.bars = [(str(label), float(value)) for label, value in bars]
        self.suffix = suffix
        self.setAccessibleDescription(
            "; ".join(f"{label}: {_number(value)}{suffix}" for label, value in self.bars)
        )
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        """Override QWidget::sizeHint: one text line per bar, plus the title."""
        line = self.fontMetrics().height()
        return QSize(line * 20, int(line * 1.6 * (len(self.bars) + 1.5)))

    def minimumSizeHint(self) -> QSize:
        """Override QWidget::minimumSizeHint."""
        return QSize(self.fontMetrics().height() * 12, self.sizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        """Override QWidget::paintEvent: title, then one bar per value."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = self.fontMetrics()
        line = metrics.height() * 1.6
        bold = painter.font()
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(TEXT)
        painter.drawText(
            QRectF(0, 0, self.width(), line), Qt.AlignmentFlag.AlignVCenter, self.title
        )
        painter.setFont(self.font())
        if not self.bars:
            painter.drawText(
                QRectF(0, line, self.width(), line), Qt.AlignmentFlag.AlignVCenter, "No data"
            )
            return
        label_width = max(metrics.horizontalAdvance(label) for label, _ in self.bars) + line / 2
        value_width = (
            max(metrics.horizontalAdvance(f"{_number(v)}{self.suffix}") for _, v in self.bars)
            + line / 2
        )
        room = max(self.width() - label_width - value_width, line)
        peak = max((v for _, v in self.bars), default=0.0) or 1.0
        for row, (label, value) in enumerate(self.bars):
            top = line * (row + 1)
            painter.setPen(TEXT)
            painter.drawText(
                QRectF(0, top, label_width, line), Qt.AlignmentFlag.AlignVCenter, label
            )
            width = room * max(value, 0.0) / peak
            painter.fillRect(QRectF(label_width, top + line * 0.2, width, line * 0.6), BAR)
            painter.drawText(
                QRectF(label_width + width + line / 4, top, value_width, line),
                Qt.AlignmentFlag.AlignVCenter,
                f"{_number(value)}{self.suffix}",
            )


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
