"""The screen space the app may use, read through one function.

The window, dialogs and the layout tests ask :func:`available_geometry` rather than the screen
directly: on a desktop it is the widget's screen's available geometry (the screen without the
task bar), and tests can fix it with :func:`use_geometry` to a laptop's 1366 × 768 or
1280 × 720 — the offscreen test platform has one screen of a size fixed when the process
starts, so it cannot stand for both sizes in one test run.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRect, QSize
from PySide6.QtGui import QGuiApplication, QResizeEvent
from PySide6.QtWidgets import QFrame, QScrollArea, QWidget

_chosen: QRect | None = None


def use_geometry(rect: QRect | None) -> None:
    """Pretend the screen's available area is ``rect`` (None: ask the real screen again)."""
    global _chosen
    _chosen = QRect(rect) if rect is not None else None


def available_geometry(widget: QWidget | None = None) -> QRect:
    """The area a window may cover: the chosen one, else the widget's (or primary) screen's."""
    if _chosen is not None:
        return QRect(_chosen)
    screen = widget.screen() if widget is not None else QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, 1280, 720)


def fit_window(window: QWidget) -> None:
    """Keep a top-level window's frame inside the available area: shrink it to fit (never below
    what its layout needs) and move it back on screen."""
    area = available_geometry(window)
    frame, inner = window.frameGeometry(), window.geometry()
    extra_w, extra_h = frame.width() - inner.width(), frame.height() - inner.height()
    width = min(window.width(), area.width() - extra_w)
    height = min(window.height(), area.height() - extra_h)
    if (width, height) != (window.width(), window.height()):
        window.resize(width, height)
    frame = window.frameGeometry()
    x = min(max(frame.x(), area.x()), area.right() + 1 - frame.width())
    y = min(max(frame.y(), area.y()), area.bottom() + 1 - frame.height())
    if (x, y) != (frame.x(), frame.y()):
        window.move(max(x, area.x()), max(y, area.y()))


class _Holder(QWidget):
    """Holds one widget at its own size without a layout: a scroll area sizes a widget whose
    layout has height-for-width (any wrapped label) to the *preferred* height and scrolls
    needlessly; this one reports only the held widget's minimum size."""

    def __init__(self, child: QWidget) -> None:
        super().__init__()
        self.child = child
        child.setParent(self)

    def minimumSizeHint(self) -> QSize:
        """Override QWidget::minimumSizeHint: what the held widget cannot do without."""
        return self.child.minimumSizeHint().expandedTo(self.child.minimumSize())

    def sizeHint(self) -> QSize:
        """Override QWidget::sizeHint."""
        return self.child.sizeHint()

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Override QWidget::resizeEvent: the held widget fills the holder."""
        super().resizeEvent(event)
        self.child.setGeometry(self.rect())

    def event(self, event: QEvent) -> bool:
        """Override QObject::event: the held widget's needs changed; tell the scroll area."""
        if event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()
        return super().event(event)


def scrolled(widget: QWidget) -> QScrollArea:
    """``widget`` in a frameless scroll area: it fills the area while there is room and
    scrolls (rather than widening the window) when its minimum size is more than the room."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(_Holder(widget))
    area.setFocusProxy(widget)
    return area
