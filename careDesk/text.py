"""Text that is safe to store, print and show: no control or invisible format characters.

Typed forms and imported files (FHIR, CSV) can carry characters nobody sees: NUL, terminal
escape sequences (ESC [ … which recolour or rewrite a terminal), other C0/C1 controls,
right-to-left overrides (U+202E makes "Smith‮txt.exe" read backwards), zero-width spaces
that make two identical-looking names differ, byte-order marks, lone surrogates. They are
removed where text comes in (the form layer and the importers call :func:`clean_text`), and the
command line passes stored text through :func:`safe_text` before printing it.

Letters and marks of every script are kept, and so are the zero-width joiner and non-joiner
between letters, which Persian, Arabic and the Indic scripts need to spell words (Unicode
Standard §23.2, "Layout Controls"). Newlines and tabs are kept only in multi-line fields.
"""

from __future__ import annotations

import unicodedata
from typing import Any

ZWNJ, ZWJ = "\u200c", "\u200d"
_LINE_BREAKS = {"\r\n": "\n", "\r": "\n", "\u2028": "\n", "\u2029": "\n", "\x85": "\n"}


def _is_letter_or_mark(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LM"


def _joiner_kept(text: str, i: int) -> bool:
    """ZWJ/ZWNJ between two letters (or marks) shapes a word; anywhere else it is a trick."""
    return (
        0 < i < len(text) - 1
        and _is_letter_or_mark(text[i - 1])
        and _is_letter_or_mark(text[i + 1])
    )


def _allowed(text: str, i: int, multiline: bool) -> bool:
    ch = text[i]
    if ch in "\n\t":
        return multiline
    category = unicodedata.category(ch)
    if category in ("Cc", "Cs", "Co", "Zl", "Zp"):  # controls, surrogates, private use
        return False
    if category == "Cf":  # format: bidi overrides, zero-width space, BOM, soft hyphen…
        return ch in (ZWJ, ZWNJ) and _joiner_kept(text, i)
    return True


def clean_text(value: str, *, multiline: bool = False) -> str:
    """``value`` without control and invisible format characters.

    A single-line field turns line breaks and tabs into spaces; a multi-line one keeps ``\\n``
    (``\\r\\n`` and Unicode line separators become ``\\n``) and tabs.
    """
    if value.isprintable():  # the usual case: no control, format or separator character
        return value
    for old, new in _LINE_BREAKS.items():
        value = value.replace(old, new)
    if not multiline:
        value = value.replace("\n", " ").replace("\t", " ")
    return "".join(ch for i, ch in enumerate(value) if _allowed(value, i, multiline))


def clean_tree(data: Any, *, multiline: bool = True) -> Any:
    """Every string in parsed JSON (dict keys too) passed through :func:`clean_text`."""
    if isinstance(data, str):
        return clean_text(data, multiline=multiline)
    if isinstance(data, dict):
        return {clean_tree(k): clean_tree(v, multiline=multiline) for k, v in data.items()}
    if isinstance(data, list):
        return [clean_tree(v, multiline=multiline) for v in data]
    return data


def safe_text(value: object, *, multiline: bool = False) -> str:
    """Stored text made safe to print on a terminal (older records may predate cleaning)."""
    return clean_text(str(value), multiline=multiline)


def _escaped(ch: str) -> str:
    return f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08x}"


def visible_controls(text: str) -> str:
    """``text`` for a terminal: every control or invisible format character (other than line
    breaks and tabs, and joiners inside words) shown as a ``\\uXXXX`` escape instead of acting
    on the terminal. Inside JSON strings the escape is the same character, so ``--json``
    output still decodes to the stored value."""
    if text.isprintable():
        return text
    return "".join(
        ch if ch in "\n\t" or _allowed(text, i, multiline=True) else _escaped(ch)
        for i, ch in enumerate(text)
    )
