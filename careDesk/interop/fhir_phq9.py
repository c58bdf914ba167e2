"""PHQ-9 answers from FHIR, in the shapes other systems send them: read into pieces here,
joined into responses and stored (with their urgent work) by ``fhir_phq9_store``.

Codes come from the instrument registry (``careDesk/care/instruments/phq9.json``): LOINC panel
44249-1 (https://loinc.org/44249-1), items 44250-9, 44255-8, 44259-0, 44254-1, 44251-7, 44258-2,
44252-5, 44253-3 and 44260-8 (item 9, thoughts of being better off dead or of self-harm), the
total 44261-6; answers 0–3 as LOINC answer list LL358-3 (https://loinc.org/LL358-3): LA6568-5 /
LA6569-3 / LA6570-1 / LA6571-9.

Accepted: an item Observation (``valueInteger``, ``valueQuantity`` or an LA answer code); a
panel Observation (44249-1) with ``hasMember`` references or ``component``s; the total
(44261-6); careDesk's own export (the total with an ``answers`` extension); a
QuestionnaireResponse whose items are linked by a LOINC code in ``linkId``, ``definition`` or
``item.code`` (not R4, but sent), by careDesk's item ids, or through a Questionnaire in the
same file. Answers that cannot be read reject the file: an item 9 answer is never dropped.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from careDesk.care.instruments import all_instruments, instrument
from careDesk.interop.fhir_context import ImportContext
from careDesk.interop.fhir_read import Entry
from careDesk.interop.fhir_values import (
    LOINC,
    Place,
    codings,
    extension,
    fhir_datetime,
    items,
    number,
    obj,
    reference,
    text,
)
from careDesk.interop.report import ImportRejected

INSTRUMENT = instrument("phq9")  # codes, answers and the urgent item: phq9.json
PANEL = INSTRUMENT.loinc_panel
TOTAL = str(INSTRUMENT.loinc_total)
MAXIMUM = INSTRUMENT.maximum
ITEMS = {item.loinc: item.id for item in INSTRUMENT.items}  # LOINC → careDesk item id
ITEM_IDS = frozenset(ITEMS.values())
ITEM9 = str(INSTRUMENT.urgent_item)
UNSCORED = frozenset(item.id for item in INSTRUMENT.items if not item.scored)
SCALE = INSTRUMENT.scored_items[0].options
TOP = max(int(o.key) for o in SCALE)
ANSWER_CODES = {o.answer_loinc: int(o.key) for o in SCALE if o.answer_loinc}
_OTHERS = [i for i in all_instruments() if i.id != INSTRUMENT.id]
# PHQ-9 items also asked by another instrument (items 1–2 are the PHQ-2, Kroenke 2003): alone
# they do not make a PHQ-9.
SHARED = frozenset(ITEMS) & {item.loinc for other in _OTHERS for item in other.items}
# Codes in PHQ-9 forms that are not answers: the totals of instruments sharing its items (the
# PHQ-2 subtotal) and the codes phq9.json lists (the deprecated severity interpretation).
NOT_ANSWERS = frozenset(INSTRUMENT.not_answers) | {
    code
    for other in _OTHERS
    if {item.loinc for item in other.items} & SHARED
    for code in (other.loinc_panel, other.loinc_total)
    if code
}
CODES = frozenset({PANEL, TOTAL, *ITEMS})
VOID = frozenset({"entered-in-error", "cancelled"})
_LOINC = re.compile(r"(?<![\d-])(\d{3,7}-\d)(?![\d-])")
_ANSWER_HELP = f"should be an answer 0–{TOP} or a LOINC answer code {', '.join(ANSWER_CODES)}"


@dataclass
class Piece:
    """One resource's share of a PHQ-9 response."""

    entry: Entry
    place: Place
    patient_id: str
    taken: datetime
    kind: str  # panel, total, response, item (the order in which one anchors a response)
    answers: dict[str, int] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)  # item id → FHIR path, for messages
    total: int | None = None
    links: list[str] = field(default_factory=list)  # hasMember, derivedFrom references
    blob: str | None = None  # careDesk's own answers extension, kept as it was
    fallback: Callable[[], None] | None = None  # import as a plain measurement instead
    notes: list[str] = field(default_factory=list)  # for the report, once stored


def pieces(ctx: ImportContext) -> list[Piece]:
    """The pieces read so far from this file (storing them is set up on first use)."""
    found: list[Piece] | None = ctx.collected.get("phq9")
    if found is None:
        from careDesk.interop.fhir_phq9_store import store

        found = ctx.collected["phq9"] = []
        ctx.finally_.append(lambda: store(ctx, found))
    return found


def void(ctx: ImportContext, res: dict[str, Any]) -> bool:
    """Entered in error or cancelled: not an answer (noted, not imported)."""
    if res.get("status") not in VOID:
        return False
    ctx.report.notes.append(
        f"A PHQ-9 {res.get('resourceType')} marked {res['status']} was not imported."
    )
    return True


# ----- answers ----------------------------------------------------------------------------------
def _whole(value: float | None, place: Place, where: str, top: int, why: str) -> int | None:
    if value is None:
        return None
    if value != int(value) or not 0 <= value <= top:
        raise place.reject(where, why)
    return int(value)


def _coded(concept: dict[str, Any], place: Place, where: str) -> int:
    for coding in codings(concept, place, where):
        code = coding.get("code")
        if code in ANSWER_CODES and coding.get("system") in (None, LOINC):
            return ANSWER_CODES[code]
    raise place.reject(where, _ANSWER_HELP)


def answer(data: dict[str, Any], place: Place, at: str) -> int | None:
    """An item's answer 0–3 from an Observation, a component or a QuestionnaireResponse answer;
    None when it carries no value (e.g. ``dataAbsentReason``)."""
    if "valueInteger" in data:
        raw = number(data["valueInteger"], place, f"{at}valueInteger")
        return _whole(raw, place, f"{at}valueInteger", TOP, _ANSWER_HELP)
    if "valueDecimal" in data:
        raw = number(data["valueDecimal"], place, f"{at}valueDecimal")
        return _whole(raw, place, f"{at}valueDecimal", TOP, _ANSWER_HELP)
    if "valueQuantity" in data:
        qty = obj(data["valueQuantity"], place, f"{at}valueQuantity")
        raw = number(qty.get("value"), place, f"{at}valueQuantity.value")
        return _whole(raw, place, f"{at}valueQuantity.value", TOP, _ANSWER_HELP)
    if "valueCodeableConcept" in data:
        concept = obj(data["valueCodeableConcept"], place, f"{at}valueCodeableConcept")
        return _coded(concept, place, f"{at}valueCodeableConcept")
    if "valueCoding" in data:
        coding = obj(data["valueCoding"], place, f"{at}valueCoding")
        return _coded({"coding": [coding]}, place, f"{at}valueCoding")
    if "valueString" in data:
        words = text(data["valueString"], place, f"{at}valueString", 20)
        if words is None or words not in {str(v) for v in range(TOP + 1)}:
            raise place.reject(f"{at}valueString", _ANSWER_HELP)
        return int(words)
    if any(key.startswith("value") for key in data):
        raise place.reject(f"{at}value", _ANSWER_HELP)
    return None


def total_of(data: dict[str, Any], place: Place, at: str) -> int | None:
    """A PHQ-9 total 0–27 (``valueInteger``, ``valueQuantity`` or ``valueDecimal``)."""
    why = f"should be a whole number 0–{MAXIMUM}"
    for key in ("valueInteger", "valueDecimal"):
        if key in data:
            return _whole(number(data[key], place, f"{at}{key}"), place, f"{at}{key}", MAXIMUM, why)
    if "valueQuantity" in data:
        qty = obj(data["valueQuantity"], place, f"{at}valueQuantity")
        raw = number(qty.get("value"), place, f"{at}valueQuantity.value")
        return _whole(raw, place, f"{at}valueQuantity.value", MAXIMUM, why)
    if any(key.startswith("value") for key in data):
        raise place.reject(f"{at}value", why)
    return None


def put_answer(piece: Piece, item_id: str, data: dict[str, Any], at: str, where: str) -> None:
    """Read and record one answer. The unscored "how difficult" question (69722-7) has an
    answer list of its own: when it cannot be read it is noted and left out, never guessed."""
    try:
        value = answer(data, piece.place, at)
    except ImportRejected:
        if item_id not in UNSCORED:
            raise
        piece.notes.append("A PHQ-9 'how difficult' answer could not be read; not imported.")
        return
    put(piece, item_id, value, where)


def put(piece: Piece, item_id: str, value: int | None, where: str) -> None:
    """Record one answer; the same question answered twice differently rejects the file."""
    if value is None:
        return
    if piece.answers.get(item_id, value) != value:
        raise piece.place.reject(where, "answers the same PHQ-9 question twice, differently")
    piece.answers[item_id] = value
    piece.fields[item_id] = where


def own_answers(piece: Piece, res: dict[str, Any]) -> None:
    """careDesk's own export: the answers as a JSON extension on the total."""
    blob = text(extension(res, "answers", piece.place), piece.place, "extension answers", 20000)
    if blob is None:
        return
    try:
        data = json.loads(blob)
    except ValueError:
        raise piece.place.reject("extension answers", "is not valid JSON") from None
    bad = f"should map PHQ-9 question ids to answers 0–{TOP}"
    if not isinstance(data, dict):
        raise piece.place.reject("extension answers", bad)
    for key, value in data.items():
        if key not in ITEM_IDS or isinstance(value, bool) or value not in range(TOP + 1):
            raise piece.place.reject("extension answers", bad)
        put(piece, key, int(value), "extension answers")
    piece.blob = blob


# ----- Observations -----------------------------------------------------------------------------
def links_of(res: dict[str, Any], place: Place) -> list[str]:
    """References to other parts of the same response: ``hasMember`` and ``derivedFrom``."""
    found = []
    for name in ("hasMember", "derivedFrom"):
        for i, ref in enumerate(items(res.get(name), place, name)):
            target = reference(ref, place, f"{name}[{i}]")
            if target:
                found.append(target)
    return found


def read_observation(
    ctx: ImportContext,
    entry: Entry,
    place: Place,
    patient_id: str,
    loinc: str,
    taken: datetime,
    fallback: Callable[[], None],
) -> None:
    """A PHQ-9 panel, total or item Observation becomes a piece of a response."""
    res = entry.resource
    if void(ctx, res):
        return
    kind = "panel" if loinc == PANEL else "total" if loinc == TOTAL else "item"
    piece = Piece(entry, place, patient_id, taken, kind, links=links_of(res, place))
    piece.fallback = fallback if loinc in SHARED else None
    if kind == "item":
        put_answer(piece, ITEMS[loinc], res, "", "value")
    else:
        piece.total = total_of(res, place, "")
        own_answers(piece, res)
    for i, comp in enumerate(items(res.get("component"), place, "component")):
        comp = obj(comp, place, f"component[{i}]")
        where = f"component[{i}]."
        for coding in codings(comp.get("code"), place, f"{where}code"):
            code = coding.get("code") if coding.get("system") == LOINC else None
            if code in ITEMS:
                put_answer(piece, ITEMS[code], comp, where, f"{where}value")
            elif code == TOTAL:
                given = total_of(comp, place, where)
                if piece.total is not None and given is not None and given != piece.total:
                    raise place.reject(f"{where}value", "differs from the panel's total")
                piece.total = given if given is not None else piece.total
    pieces(ctx).append(piece)


# ----- QuestionnaireResponse --------------------------------------------------------------------
def lenient(resource: dict[str, Any]) -> dict[str, Any]:
    """The resource as R4 validation sees it: ``code`` on QuestionnaireResponse items is not R4
    (Questionnaire items have it) but systems send it, and it is read here; other fields are
    validated as they are."""
    if resource.get("resourceType") != "QuestionnaireResponse":
        return resource
    clean = copy.deepcopy(resource)
    for item in walk(clean.get("item")):
        item.pop("code", None)
    return clean


def walk(value: Any) -> Iterator[dict[str, Any]]:
    """Every item of a QuestionnaireResponse or Questionnaire, nested ones included."""
    for item in value if isinstance(value, list) else []:
        if not isinstance(item, dict):
            continue
        yield item
        yield from walk(item.get("item"))
        given = item.get("answer")
        for one in given if isinstance(given, list) else []:
            if isinstance(one, dict):
                yield from walk(one.get("item"))


def loinc_in(value: Any) -> str | None:
    """The last LOINC-shaped code in a linkId or URL (``/44249-1/44260-8`` → ``44260-8``)."""
    if not isinstance(value, str):
        return None
    found = _LOINC.findall(value)
    return found[-1] if found else None


def code_list(value: Any) -> list[str]:
    """LOINC codes of a list of Codings (``Questionnaire.item.code``, ``Questionnaire.code``)."""
    out = []
    for coding in value if isinstance(value, list) else []:
        if isinstance(coding, dict) and coding.get("system") in (LOINC, None):
            code = coding.get("code")
            if isinstance(code, str):
                out.append(code)
    return out


def _questionnaire(ctx: ImportContext, canonical: str | None) -> tuple[dict[str, str], bool]:
    """From the Questionnaire in this file that ``canonical`` names: linkId → LOINC code of its
    items, and whether it is the PHQ-9 (coded 44249-1)."""
    if not canonical:
        return {}, False
    wanted = canonical.split("|")[0]
    for entry in ctx.entries:
        q = entry.resource
        if entry.type != "Questionnaire":
            continue
        names = {q.get("url"), f"Questionnaire/{q.get('id')}", entry.full_url}
        if wanted not in names and not wanted.endswith(f"/Questionnaire/{q.get('id')}"):
            continue
        links = {}
        for item in walk(q.get("item")):
            codes = code_list(item.get("code"))
            if isinstance(item.get("linkId"), str) and codes:
                links[item["linkId"]] = codes[0]
        return links, PANEL in code_list(q.get("code"))
    return {}, False


def _linked(item: dict[str, Any], links: dict[str, str], own: bool) -> str | None:
    """The question an answered item is: a careDesk item id, a LOINC code, or None."""
    link_id = item.get("linkId")
    if own and link_id in ITEM_IDS:
        return str(link_id)
    codes = code_list(item.get("code"))
    return (
        (links.get(link_id) if isinstance(link_id, str) else None)
        or (codes[0] if codes else None)
        or loinc_in(link_id)
        or loinc_in(item.get("definition"))
    )


def is_phq9(ctx: ImportContext, res: dict[str, Any]) -> bool:
    """Whether a QuestionnaireResponse answers the PHQ-9: its questionnaire is the PHQ-9, or
    its items are PHQ-9 questions (beyond items 1–2, which are the PHQ-2 too). Read without
    trusting the JSON's shape: other responses are skipped before they are validated."""
    canonical = res.get("questionnaire")
    canonical = canonical if isinstance(canonical, str) else None
    links, coded = _questionnaire(ctx, canonical)
    if coded or PANEL in (canonical or ""):
        return True
    codes = {_linked(item, links, own=False) for item in walk(res.get("item"))}
    return bool(codes & (CODES - SHARED - {PANEL}))


def read_response(ctx: ImportContext, entry: Entry, place: Place) -> None:
    """A PHQ-9 QuestionnaireResponse (see :func:`is_phq9`) becomes a piece of a response."""
    res = entry.resource
    if void(ctx, res):
        return
    canonical = text(res.get("questionnaire"), place, "questionnaire", 500)
    links, coded = _questionnaire(ctx, canonical)
    own = coded or PANEL in (canonical or "")
    patient_id = ctx.patient_id(res, place, "subject")
    taken = fhir_datetime(res.get("authored"), place, "authored")
    if taken is None:
        raise place.reject("authored", "is missing (when was this answered?)")
    piece = Piece(entry, place, patient_id, taken, "response")
    unlinked = []
    for n, item in enumerate(walk(res.get("item"))):
        where = f"item #{n + 1}"
        given = items(item.get("answer"), place, f"{where}.answer")
        if not given:
            continue
        if len(given) > 1:
            raise place.reject(f"{where}.answer", "has more than one answer")
        data = obj(given[0], place, f"{where}.answer[0]")
        code = _linked(item, links, own)
        item_id = code if code in ITEM_IDS else ITEMS.get(code or "")
        if item_id is not None:
            put_answer(piece, item_id, data, f"{where}.answer[0].", f"{where}.answer")
        elif code == TOTAL:
            piece.total = total_of(data, place, f"{where}.answer[0].")
        elif code not in NOT_ANSWERS:
            unlinked.append(where)
    if unlinked and ITEM9 not in piece.answers:
        raise place.reject(
            f"{unlinked[0]}.linkId",
            "cannot be linked to a PHQ-9 question, and item 9 was not found: give LOINC codes "
            "as linkId or definition, or include the Questionnaire",
        )
    if unlinked:
        piece.notes.append(
            f"{len(unlinked)} answer(s) in a PHQ-9 QuestionnaireResponse could not be linked to "
            "a PHQ-9 question and were not imported."
        )
    pieces(ctx).append(piece)
