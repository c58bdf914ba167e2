"""A row of action buttons that never forces the window wider: what does not fit goes into a
"More…" menu (keyboard users reach it with Tab like any button).

Buttons stay ordinary :class:`QPushButton`\\ s for the code around them (``setVisible``,
``setEnabled``, ``click``): :class:`BarButton` remembers whether its owner wants it shown, and
the bar decides whether it is on the row or in the menu.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QSize
from PySide6.QtGui import QAction, QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

SPACING = 6


class BarButton(QPushButton):
    """A push button whose visibility its owner sets and the bar may overrule for space."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.wanted = True

    def setVisible(self, visible: bool) -> None:
        """Override QWidget::setVisible: remember the owner's wish; the bar lays out again."""
        self.wanted = visible
        bar = self.parent()
        if isinstance(bar, ActionBar):
            bar.arrange()
        else:
            super().setVisible(visible)

    def place(self, shown: bool) -> None:
        """Show or hide for space (the owner's wish is kept)."""
        QPushButton.setVisible(self, shown)


class ActionBar(QWidget):
    """Buttons left to right; those past the right edge are offered under "More…"."""

    def __init__(self, name: str = "Actions", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(name)
        self.buttons: list[BarButton] = []
        self.more = QToolButton(self)
        self.more.setText("More…")
        self.more.setAccessibleName(f"More {name.lower()}")
        self.more.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.more.setMenu(QMenu(self.more))
        self.more.menu().aboutToShow.connect(self._fill_menu)
        self.more.hide()
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def add(self, text: str, slot: Callable[[], object] | None = None) -> BarButton:
        """A new button at the end of the row (``slot`` runs on click)."""
        button = BarButton(text, self)
        if slot is not None:
            button.clicked.connect(slot)
        button.installEventFilter(self)
        self.buttons.append(button)
        self.arrange()
        return button

    def overflow(self) -> list[BarButton]:
        """The wanted buttons that did not fit (offered under "More…")."""
        return [b for b in self.buttons if b.wanted and b.isHidden()]

    # ----- size and layout --------------------------------------------------------------
    def _wanted(self) -> list[BarButton]:
        return [b for b in self.buttons if b.wanted]

    def sizeHint(self) -> QSize:
        """Override QWidget::sizeHint: every wanted button in one row."""
        hints = [b.sizeHint() for b in self._wanted()]
        width = sum(h.width() for h in hints) + SPACING * max(len(hints) - 1, 0)
        height = max([h.height() for h in hints] + [self.more.sizeHint().height()])
        return QSize(width, height)

    def minimumSizeHint(self) -> QSize:
        """Override QWidget::minimumSizeHint: room for "More…" alone."""
        return QSize(self.more.sizeHint().width(), self.sizeHint().height())

    def arrange(self) -> None:
        """Place the buttons that fit; the rest wait under "More…"."""
        wanted = self._wanted()
        for button in self.buttons:
            if not button.wanted:
                button.place(False)
        widths = [b.sizeHint().width() for b in wanted]
        room = self.width()
        fits = len(wanted)
        if sum(widths) + SPACING * max(len(widths) - 1, 0) > room:
            room -= self.more.sizeHint().width() + SPACING
            used, fits = 0, 0
            for width in widths:
                if used + width > room:
                    break
                used += width + SPACING
                fits += 1
        x, height = 0, self.height()
        for index, button in enumerate(wanted):
            shown = index < fits
            if shown:
                hint = button.sizeHint()
                button.setGeometry(x, (height - hint.height()) // 2, hint.width(), hint.height())
                x += hint.width() + SPACING
            button.place(shown)
        self.more.setVisible(fits < len(wanted))
        if fits < len(wanted):
            hint = self.more.sizeHint()
            self.more.setGeometry(x, (height - hint.height()) // 2, hint.width(), hint.height())
        self.updateGeometry()

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Override QWidget::resizeEvent."""
        super().resizeEvent(event)
        self.arrange()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Override QObject::eventFilter: a button's text or font changed its width."""
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange) or (
            event.type() == QEvent.Type.DynamicPropertyChange
        ):
            self.arrange()
        return False

    def event(self, event: QEvent) -> bool:
        """Override QObject::event: a child asked for a new layout (its text changed)."""
        if event.type() == QEvent.Type.LayoutRequest:
            self.arrange()
        return super().event(event)

    def _fill_menu(self) -> None:
        menu = self.more.menu()
        menu.clear()
        for button in self.overflow():
            action = QAction(button.text(), menu)
            action.setEnabled(button.isEnabled())
            action.setToolTip(button.toolTip())
            action.triggered.connect(button.click)
            menu.addAction(action)


def section(title: str, body: QWidget, bar: ActionBar | None = None) -> QWidget:
    """A titled part of a screen with its actions on the title's row (a group box spends a
    row on its title and another on its buttons: on a laptop that is the list's room)."""
    part = QWidget()
    heading = QLabel(title)
    heading.setObjectName("sectionTitle")
    heading.setBuddy(body)
    top = QHBoxLayout()
    top.setContentsMargins(0, 0, 0, 0)
    top.addWidget(heading)
    if bar is not None:
        top.addWidget(bar, 1)
    else:
        top.addStretch(1)
    column = QVBoxLayout(part)
    column.setContentsMargins(0, 4, 0, 0)
    column.setSpacing(2)
    column.addLayout(top)
    column.addWidget(body, 1)
    return part
