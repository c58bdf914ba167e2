"""Everything the code and the docs cite is in the repository (CONTRIBUTING.md, "Cite the source
of every clinical rule").

Scans the code, tests, data files and docs for:

- citations of the repository's own docs (``docs/….md``, ``installer/README.md``,
  ``CONTRIBUTING.md``, ``README.md``, each with an optional ``#anchor``): the file must exist and
  the anchor must be one of its headings (GitHub's heading slugs);
- relative links in Markdown files (``[text](architecture.md#the-layers)``), resolved from the
  file's folder, which must stay inside the repository;
- repository paths named in backticks in the docs (`` `careDesk/desk.py` ``): they must exist;
- texts that are not in the repository: the design doc, style guide and clinical summary the
  project kept outside it, and paths above the repository or on one machine.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Checks that name what they forbid: this file, and the fixture guard (tests/test_fixtures.py).
CHECKERS = frozenset({Path(__file__).resolve(), ROOT / "tests" / "test_fixtures.py"})

# Cited before they exist: docs/security.md comes from a parallel branch, docs/safety/ is written
# by the lead. The lead removes each entry once the file is merged (the last test insists).
PENDING_DOCS: frozenset[str] = frozenset()
# Files allowed to cite what is outside the repository (none left).
PENDING_OUTSIDE: frozenset[str] = frozenset()

SCANNED_DIRS = ("careDesk", "ui", "tests", "benchmarks", "installer", "tools", "docs")
SCANNED_ROOT_FILES = ("Makefile", "pyproject.toml", "README.md", "CONTRIBUTING.md", ".ci/run")
TEXT_SUFFIXES = frozenset(
    {".py", ".md", ".json", ".toml", ".sql", ".qss", ".spec", ".iss", ".sh", ".mako", ".ini"}
    | {".txt", ".desktop", ".plist", ".cfg", ".yml", ".yaml", ".svg"}
)
SKIPPED_DIRS = frozenset({"__pycache__", ".venv", "bench-data", "build", "dist", ".hypothesis"})
SKIPPED_DATA = "tests/fixtures/synthea/"  # Synthea's own records (13 MB): they cite nothing of ours
# Markdown files whose backticked paths must exist (the docs that describe this code).
DOCS_WITH_PATHS = ("docs", "CONTRIBUTING.md")

# A repository doc cited from anywhere, by its path from the repository root.
DOC_CITATION = re.compile(
    r"(?<![\w./-])((?:docs|installer)/[\w./-]*?\.md|CONTRIBUTING\.md|README\.md)(?:#([\w-]+))?"
)
MARKDOWN_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
BACKTICKED_PATH = re.compile(
    r"`((?:careDesk|ui|tests|benchmarks|installer|tools|resources|docs)/[^`\s]*)`"
)
OUTSIDE = {
    "the old design doc": re.compile(r"\bDESIGN(?: §|\.md)"),
    "the old clinical summary": re.compile(r"\bCLINICAL\.md"),
    "the old style guide": re.compile(r"\bSTYLE(?: §|\.md)"),
    "the folder beside the repository": re.compile(r"(?<![\w-])shared/"),
    "a path on one machine": re.compile(r"(?<![\w.])/(?:work|home|Users)/"),
}
PARENT_PATH = re.compile(r"\.\./[\w.]")  # outside Markdown links: a path above the repository


@dataclass(frozen=True)
class Text:
    """One scanned file: its path from the root and its lines."""

    name: str
    lines: tuple[str, ...]

    @property
    def markdown(self) -> bool:
        return self.name.endswith(".md")


def _files() -> Iterator[Path]:
    for folder in SCANNED_DIRS:
        for path in sorted((ROOT / folder).rglob("*")):
            name = path.relative_to(ROOT)
            data = name.as_posix().startswith(SKIPPED_DATA) and path.suffix == ".json"
            wanted = path.suffix in TEXT_SUFFIXES and path not in CHECKERS and not data
            if wanted and SKIPPED_DIRS.isdisjoint(name.parts) and path.is_file():
                yield path
    for name in SCANNED_ROOT_FILES:
        if (ROOT / name).is_file():
            yield ROOT / name


@cache
def texts() -> tuple[Text, ...]:
    """Every scanned file of the repository (the checkers excepted: they name what they forbid)."""
    return tuple(
        Text(p.relative_to(ROOT).as_posix(), tuple(p.read_text(encoding="utf-8").splitlines()))
        for p in _files()
    )


def slug(heading: str) -> str:
    """GitHub's anchor for a Markdown heading: lower case, punctuation dropped, spaces → '-'."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    """The anchors a Markdown text defines: heading slugs (numbered when repeated) and ids."""
    found: set[str] = set()
    seen: dict[str, int] = {}
    fenced = False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        heading = re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
        if heading and not fenced:
            base = slug(heading.group(1))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
        found.update(re.findall(r"<a\s+(?:id|name)=\"([^\"]+)\"", line))
    return found


@cache
def _anchors_of(path: Path) -> frozenset[str]:
    return frozenset(anchors(path.read_text(encoding="utf-8")))


def check_target(where: str, target: Path, anchor: str | None, shown: str) -> list[str]:
    """Problems with one cited file (and anchor), as ``where: message`` lines."""
    try:
        name = target.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return [f"{where}: {shown} points outside the repository"]
    if not target.exists():
        if name in PENDING_DOCS:
            return []
        return [f"{where}: {shown} does not exist"]
    if anchor and target.suffix == ".md" and anchor not in _anchors_of(target.resolve()):
        return [f"{where}: {shown}: {name} has no heading with the anchor #{anchor}"]
    return []


def citation_problems(text: Text) -> list[str]:
    """Repository docs cited by path from the root, and Markdown links from the file's folder."""
    problems: list[str] = []
    here = (ROOT / text.name).parent
    for number, line in enumerate(text.lines, start=1):
        where = f"{text.name}:{number}"
        for match in DOC_CITATION.finditer(line):
            problems += check_target(where, ROOT / match.group(1), match.group(2), match.group(0))
        if not text.markdown:
            continue
        for match in MARKDOWN_LINK.finditer(line):
            link = match.group(1)
            if re.match(r"[a-z]+:", link):
                continue  # http(s), mailto
            path, _, anchor = link.partition("#")
            target = here / path if path else ROOT / text.name
            problems += check_target(where, target, anchor or None, link)
    return problems


def path_problems(text: Text) -> list[str]:
    """Backticked repository paths that do not exist (globs and placeholders are skipped)."""
    problems: list[str] = []
    for number, line in enumerate(text.lines, start=1):
        for match in BACKTICKED_PATH.finditer(line):
            path = match.group(1).split("::")[0].rstrip("/")
            if any(mark in path for mark in "*<{…"):
                continue
            pending = any(doc == path or doc.startswith(f"{path}/") for doc in PENDING_DOCS)
            if not (ROOT / path).exists() and not pending:
                problems.append(f"{text.name}:{number}: `{path}` does not exist")
    return problems


def outside_problems(text: Text) -> list[str]:
    """Citations of texts that are not in the repository."""
    problems: list[str] = []
    for number, line in enumerate(text.lines, start=1):
        for what, pattern in OUTSIDE.items():
            if pattern.search(line):
                problems.append(f"{text.name}:{number}: cites {what}: {line.strip()[:80]}")
        if not text.markdown and PARENT_PATH.search(line):
            problems.append(f"{text.name}:{number}: names a path above the repository")
    return problems


def _report(problems: list[str]) -> str:
    return "\n" + "\n".join(problems)


def test_cited_docs_exist_with_their_anchors() -> None:
    problems = [p for text in texts() for p in citation_problems(text)]
    assert not problems, _report(problems)


def test_docs_name_only_files_that_exist() -> None:
    docs = [t for t in texts() if t.markdown and t.name.startswith(DOCS_WITH_PATHS)]
    assert {"docs/architecture.md", "docs/clinical-sources.md", "CONTRIBUTING.md"} <= {
        t.name for t in docs
    }
    problems = [p for text in docs for p in path_problems(text)]
    assert not problems, _report(problems)


def test_nothing_cites_texts_outside_the_repository() -> None:
    problems = [
        p for text in texts() if text.name not in PENDING_OUTSIDE for p in outside_problems(text)
    ]
    assert not problems, _report(problems)


def test_the_checks_find_what_they_look_for() -> None:
    """A citation of a missing doc or anchor, a broken link and an outside text are all caught."""
    code = Text(
        "careDesk/example.py",
        (
            '"""See docs/architecture.md#no-such-section and docs/nowhere.md."""',
            "# Rules: CLINICAL.md; layout: DESIGN §3; style: STYLE.md §11.",
            "DATA = '../data'; OLD = 'shared/reference'",
            "# docs/architecture.md#the-layers is fine",
        ),
    )
    found = citation_problems(code) + outside_problems(code)
    assert [p.split(": ", 1)[0] for p in found] == ["careDesk/example.py:1"] * 2 + [
        "careDesk/example.py:2"
    ] * 3 + ["careDesk/example.py:3"] * 2
    doc = Text("docs/example.md", ("[layers](architecture.md#the-layers), [x](missing.md#y)",))
    assert citation_problems(doc) == ["docs/example.md:1: missing.md#y does not exist"]
    assert path_problems(Text("docs/e.md", ("`careDesk/nothing.py`, `careDesk/desk.py`",))) == [
        "docs/e.md:1: `careDesk/nothing.py` does not exist"
    ]


def test_anchors_are_github_heading_slugs() -> None:
    text = "# A title\n## PHQ-9 item 9: same-day follow-up\n## Care-management minutes (CCM)\n"
    text += "```\n# not a heading\n```\n## Notes\n## Notes\n"
    assert anchors(text) == {
        "a-title",
        "phq-9-item-9-same-day-follow-up",
        "care-management-minutes-ccm",
        "notes",
        "notes-1",
    }


def test_pending_lists_are_still_pending() -> None:
    """Once a pending doc is merged, or a file stops naming the outside folder, its entry goes."""
    arrived = sorted(name for name in PENDING_DOCS if (ROOT / name).exists())
    assert not arrived, f"remove from PENDING_DOCS (now in the repository): {arrived}"
    by_name = {t.name: t for t in texts()}
    cleared = sorted(
        name
        for name in PENDING_OUTSIDE
        if name not in by_name or not outside_problems(by_name[name])
    )
    assert not cleared, f"remove from PENDING_OUTSIDE (no longer names it): {cleared}"
