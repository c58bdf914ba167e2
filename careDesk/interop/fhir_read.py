"""Reading FHIR files into a list of resources: a Bundle or a single resource in ``.json``,
one resource per line in ``.ndjson`` (FHIR Bulk Data). Nothing is written here.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from careDesk.interop.report import ImportRejected

BUNDLE_TYPES = ("transaction", "batch", "collection")
MAX_FILE_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class Entry:
    """One resource of a file, with its place (for messages) and its stable source id."""

    index: int  # position in the file: bundle entry number or ndjson line number
    full_url: str | None
    resource: dict[str, Any]

    @property
    def type(self) -> str:
        """The resource type named in the JSON."""
        return str(self.resource.get("resourceType"))

    @property
    def where(self) -> str:
        """How reports name this resource: type, position and id."""
        rid = self.resource.get("id")
        ident = f" (id {rid})" if isinstance(rid, str) and len(rid) <= 64 else ""
        return f"{self.type} #{self.index}{ident}"

    @property
    def source_id(self) -> str:
        """``Type/id``; else the entry's fullUrl; else a hash of the content (stable too)."""
        rid = self.resource.get("id")
        if isinstance(rid, str) and rid:
            return f"{self.type}/{rid}"[:200]
        if self.full_url:
            return self.full_url[:200]
        blob = json.dumps(self.resource, sort_keys=True).encode("utf-8")
        return f"{self.type}/sha1-{hashlib.sha1(blob).hexdigest()}"


def decode(raw: bytes, name: str) -> str:
    """UTF-8 text (a byte-order mark is allowed); anything else is refused, naming the file."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRejected(name, f"byte {exc.start}", "encoding", "is not UTF-8 text") from None


def read_entries(path: Path) -> list[Entry]:
    """The resources in ``path`` (``.json`` or ``.ndjson``), or :class:`ImportRejected`."""
    name = path.name
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ImportRejected(name, "", "file", "is larger than 512 MB")
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportRejected(name, "", "file", f"cannot be read ({exc.strerror})") from None
    return parse_entries(raw, name, ndjson=path.suffix.lower() == ".ndjson")


def parse_entries(raw: bytes, name: str, *, ndjson: bool) -> list[Entry]:
    """Parse file content (split out so fuzz tests need no files)."""
    content = decode(raw, name)
    if ndjson:
        return _ndjson(content, name)
    data = _json(content, name, "")
    if not isinstance(data, dict):
        raise ImportRejected(name, "", "resourceType", "the file is not a FHIR resource")
    if data.get("resourceType") == "Bundle":
        return _bundle(data, name)
    _check_resource(data, name, "resource")
    return [Entry(1, None, data)]


def _json(content: str, name: str, where: str) -> Any:
    try:
        return json.loads(content)
    except json.JSONDecodeError as exc:
        place = where or f"line {exc.lineno} column {exc.colno}"
        raise ImportRejected(name, place, "JSON", f"is not valid JSON ({exc.msg})") from None
    except RecursionError:
        raise ImportRejected(name, where, "JSON", "is nested too deeply") from None


def _ndjson(content: str, name: str) -> list[Entry]:
    entries: list[Entry] = []
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        data = _json(line, name, f"line {number}")
        _check_resource(data, name, f"line {number}")
        entries.append(Entry(number, None, data))
    return entries


def _bundle(data: dict[str, Any], name: str) -> list[Entry]:
    kind = data.get("type")
    if kind not in BUNDLE_TYPES:
        raise ImportRejected(name, "Bundle", "type", f"should be one of {', '.join(BUNDLE_TYPES)}")
    raw_entries = data.get("entry", [])
    if not isinstance(raw_entries, list):
        raise ImportRejected(name, "Bundle", "entry", "should be a JSON array")
    entries: list[Entry] = []
    for number, item in enumerate(raw_entries, start=1):
        where = f"Bundle.entry #{number}"
        if not isinstance(item, dict):
            raise ImportRejected(name, where, "entry", "should be a JSON object")
        full_url = item.get("fullUrl")
        if full_url is not None and not isinstance(full_url, str):
            raise ImportRejected(name, where, "fullUrl", "should be text")
        resource = item.get("resource")
        if resource is None:
            continue  # e.g. a DELETE request in a transaction: nothing to import
        _check_resource(resource, name, where)
        entries.append(Entry(number, full_url, resource))
    return entries


def _check_resource(data: Any, name: str, where: str) -> None:
    if not isinstance(data, dict):
        raise ImportRejected(name, where, "resource", "should be a JSON object")
    kind = data.get("resourceType")
    if not isinstance(kind, str) or not kind.isalnum():
        raise ImportRejected(name, where, "resourceType", "is missing or not a resource type")
