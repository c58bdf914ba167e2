"""The style sheet's colours meet WCAG 2.2 level AA contrast.

The formula is WCAG 2.2's own (W3C Recommendation, 5 October 2023, "relative luminance" and
"contrast ratio" in section 8, Glossary): each sRGB channel c in [0, 1] becomes c / 12.92 when
c <= 0.04045, else ((c + 0.055) / 1.055) ** 2.4; L = 0.2126 R + 0.7152 G + 0.0722 B; the ratio
is (L_lighter + 0.05) / (L_darker + 0.05). Success criterion 1.4.3 (Contrast, Minimum) asks
4.5:1 for text, 1.4.11 (Non-text Contrast) 3:1 for the visual boundary of a control against
what is next to it. Disabled controls are exempt from both (1.4.3 "Incidental").

Colours are read from ui/resources/style.qss itself, so a change to the sheet is checked.
"""

from __future__ import annotations

import re

import pytest

from ui.app import RESOURCES

TEXT_AA = 4.5
CONTROL_AA = 3.0


def sheet() -> dict[str, dict[str, str]]:
    """Each rule's properties by its selector (a rule with several selectors under each)."""
    text = re.sub(r"/\*.*?\*/", "", RESOURCES.joinpath("style.qss").read_text("utf-8"), flags=re.S)
    rules: dict[str, dict[str, str]] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", text):
        props = dict(
            (name.strip(), value.strip())
            for name, _, value in (p.partition(":") for p in body.split(";") if ":" in p)
        )
        for selector in selectors.split(","):
            rules.setdefault(selector.strip(), {}).update(props)
    return rules


def colour(selector: str, prop: str) -> str:
    """The colour of ``prop`` in the rule for ``selector`` (a border's colour from its
    shorthand, e.g. "1px solid #6b7f94")."""
    value = sheet()[selector][prop]
    found = re.search(r"#[0-9a-fA-F]{6}\b", value)
    assert found, f"{selector} {{ {prop}: {value} }} has no #rrggbb colour"
    return found.group(0)


def luminance(hex_colour: str) -> float:
    """WCAG 2.2 relative luminance of an sRGB colour."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ratio(a: str, b: str) -> float:
    """WCAG 2.2 contrast ratio of two colours."""
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_formula_matches_the_known_extremes() -> None:
    """Black on white is 21:1 and a colour on itself 1:1 (WCAG 2.2, "contrast ratio" note)."""
    assert ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert ratio("#777777", "#777777") == pytest.approx(1.0)
    assert ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # the AA grey on white


BADGE = 'QLabel#riskBadge[band="{}"]'

TEXT_PAIRS = [
    ("low-risk badge", (BADGE.format("low"), "color"), (BADGE.format("low"), "background")),
    ("moderate badge", (BADGE.format("moderate"), "color"),
     (BADGE.format("moderate"), "background")),
    ("high-risk badge", (BADGE.format("high"), "color"), (BADGE.format("high"), "background")),
    ("unscored badge", ("QWidget", "color"), ("QLabel#riskBadge", "background")),
    ("body text", ("QWidget", "color"), ("QMainWindow", "background")),
    ("hints", ("QLabel#hint", "color"), ("QMainWindow", "background")),
    ("field errors", ("QLabel#fieldError", "color"), ("QMainWindow", "background")),
    ("alerts in the chart header", ("QLabel#alerts", "color"),
     ("QWidget#chartHeader", "background")),
    ("navigation", ("QListWidget#nav", "color"), ("QListWidget#nav", "background")),
    ("chosen page", ("QListWidget#nav::item:selected", "color"),
     ("QListWidget#nav::item:selected", "background")),
    ("default button", ("QPushButton:default", "color"), ("QPushButton:default", "background")),
    ("table text", ("QWidget", "color"), ("QTableView", "background")),
    ("striped rows", ("QWidget", "color"), ("QTableView", "alternate-background-color")),
    ("selected row", ("QTableView", "selection-color"),
     ("QTableView", "selection-background-color")),
    ("column headers", ("QWidget", "color"), ("QHeaderView::section", "background")),
    ("status bar", ("QWidget", "color"), ("QStatusBar", "background")),
]  # fmt: skip


@pytest.mark.parametrize(("what", "fg", "bg"), TEXT_PAIRS, ids=[p[0] for p in TEXT_PAIRS])
def test_text_has_aa_contrast(what: str, fg: tuple[str, str], bg: tuple[str, str]) -> None:
    """WCAG 2.2 SC 1.4.3: 4.5:1 for text (the low-risk badge was 3.9:1)."""
    found = ratio(colour(*fg), colour(*bg))
    assert found >= TEXT_AA, f"{what}: {found:.2f}:1"


#: Where buttons and input boxes sit: their own fill, and the window, header and status bar.
CONTROLS = ["QPushButton", "QToolButton", "QLineEdit"]
NEXT_TO = [
    ("QPushButton", "background"),
    ("QMainWindow", "background"),
    ("QWidget#chartHeader", "background"),
    ("QStatusBar", "background"),
    ("QTableView", "alternate-background-color"),
]


@pytest.mark.parametrize("control", CONTROLS)
@pytest.mark.parametrize("next_to", NEXT_TO, ids=[n[0] for n in NEXT_TO])
def test_control_borders_have_aa_contrast(control: str, next_to: tuple[str, str]) -> None:
    """WCAG 2.2 SC 1.4.11: a control's boundary 3:1 against its fill and its surroundings
    (button borders were 2.0:1)."""
    found = ratio(colour(control, "border"), colour(*next_to))
    assert found >= CONTROL_AA, f"{control} border next to {next_to[0]}: {found:.2f}:1"


def test_focus_ring_has_aa_contrast() -> None:
    """The focus border (SC 2.4.11/1.4.11) stands out 3:1 from the window and the button."""
    ring = colour("QPushButton:focus", "border")
    for bg in (("QMainWindow", "background"), ("QPushButton", "background")):
        assert ratio(ring, colour(*bg)) >= CONTROL_AA
