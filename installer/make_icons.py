"""Render installer/icons/caredesk.svg to the PNG and Windows .ico the installers use.

Run once after changing the SVG (the outputs are committed, so a build needs neither Qt's SVG
renderer nor Pillow's writers): ``.venv/bin/python installer/make_icons.py``. macOS builds turn
the PNG into an .icns themselves (PyInstaller does it with Pillow).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ICONS = Path(__file__).resolve().parent / "icons"
ICO_SIZES = [(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)]


def render_png(svg: Path, png: Path, size: int = 256) -> None:
    """Draw ``svg`` at ``size`` pixels square with a transparent background."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    QSvgRenderer(str(svg)).render(painter)
    painter.end()
    if not image.save(str(png)):
        raise OSError(f"could not write {png}")
    del app


def main() -> None:
    """Write caredesk.png (256 px) and caredesk.ico (16 to 256 px) next to the SVG."""
    from PIL import Image

    png = ICONS / "caredesk.png"
    render_png(ICONS / "caredesk.svg", png)
    Image.open(png).save(ICONS / "caredesk.ico", sizes=ICO_SIZES)


if __name__ == "__main__":
    main()
