"""The client is wired by reference (issue 18, STYLE practice 9): no screen is looked up by a
"module:Class" string, no feature gated with ``hasattr(Desk, …)``, no action called through
``getattr(obj, "name", lambda: None)`` — each of those turned a rename into a silently missing
page or menu item. mypy --strict on ui/ then catches a rename at build time."""

from __future__ import annotations

import ast
from pathlib import Path

import ui

UI = Path(ui.__file__).parent


def _calls(name: str) -> list[tuple[Path, ast.Call]]:
    """Every call of the builtin ``name`` in ui/, with its file."""
    found: list[tuple[Path, ast.Call]] = []
    for path in sorted(UI.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == name
            ):
                found.append((path, node))
    return found


def _where(calls: list[tuple[Path, ast.Call]]) -> list[str]:
    return [f"{path.relative_to(UI)}:{node.lineno}" for path, node in calls]


def test_no_getattr_with_a_do_nothing_fallback() -> None:
    calls = _calls("getattr")
    assert (
        _where([(p, n) for p, n in calls if len(n.args) == 3 and isinstance(n.args[2], ast.Lambda)])
        == []
    )


def test_no_screen_is_loaded_by_name() -> None:
    assert _where(_calls("import_module")) == []
    assert _where(_calls("find_spec")) == []


def test_no_feature_gated_on_the_desk_having_an_attribute() -> None:
    calls = _calls("hasattr")
    assert _where([(p, n) for p, n in calls if "desk" in ast.unparse(n.args[0]).lower()]) == []
