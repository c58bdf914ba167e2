"""Reading ``vault.keys``: every value checked before anything uses it.

Lengths, base64, Argon2id bounds (``slotcrypto.check_kdf``) and each entry's checksum: anything
that cannot be right raises :class:`SlotDamage`, which ``KeySlotFile.load`` reports as
"vault.keys is damaged" — never as a wrong password, and before anything is derived.
"""

from __future__ import annotations

from typing import Any

from careDesk.store import slotcrypto as sc
from careDesk.store.keyslots import (
    KEY_BYTES,
    RECOVERY,
    KeySlotFile,
    RecoveryEntry,
    Sealed,
    UserEntry,
)
from careDesk.store.slotcrypto import SlotDamage


def _entry(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise SlotDamage(f"{what} is missing")
    if data.get("check") != sc.checksum(data):
        raise SlotDamage(f"{what} fails its checksum")
    return data


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise SlotDamage(f"{what} is missing")
    return value


def _wrapped(data: Any, what: str, size: int, kdf: bool) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise SlotDamage(f"{what} is missing")
    if kdf:
        sc.check_kdf(data.get("kdf"), what)
    else:
        sc.unb64(data.get("salt"), f"{what}: salt", sc.SALT_BOUNDS)
    sc.unb64(data.get("nonce"), f"{what}: nonce", sc.NONCE_BYTES)
    sc.unb64(data.get("wrapped"), f"{what}: wrapped key", size + sc.TAG_BYTES)
    return data


def _legacy_slot(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise SlotDamage(f"{what} is missing")
    kdf = data.get("kdf")
    if isinstance(kdf, dict) and kdf.get("alg") == "hkdf-sha256":
        sc.unb64(kdf.get("salt"), f"{what}: salt", sc.SALT_BOUNDS)
    else:
        sc.check_kdf(kdf, what)
    _text(data.get("kind"), f"{what}: kind")
    _text(data.get("name"), f"{what}: name")
    sc.unb64(data.get("nonce"), f"{what}: nonce", sc.NONCE_BYTES)
    sc.unb64(data.get("wrapped"), f"{what}: wrapped key", KEY_BYTES + sc.TAG_BYTES)
    return data


def _user(login: str, data: Any) -> UserEntry:
    what = f"the entry for {login}"
    d = _entry(data, what)
    entry = UserEntry(login=login, user_id=_text(d.get("user_id"), f"{what}: user id"))
    if "legacy" in d:
        entry.legacy = _legacy_slot(d["legacy"], what)
        return entry
    entry.box = sc.b64(sc.unb64(d.get("box"), f"{what}: public key", 32))
    entry.sign = sc.b64(sc.unb64(d.get("sign"), f"{what}: signing key", 32))
    if "password" in d:
        entry.password = _wrapped(d["password"], f"{what}: password", 64, kdf=True)
    if "remember" in d:
        entry.remember = _wrapped(d["remember"], f"{what}: remembered secret", 64, kdf=False)
    if entry.password is None and entry.remember is None:
        raise SlotDamage(f"{what} has no way to sign in")
    return entry


def _recovery(data: Any, what: str = "the recovery entry", *, whole: bool = True) -> RecoveryEntry:
    # ``whole``: an entry of its own, with its own checksum (inside ``next`` it has none).
    d = _entry(data, what) if whole else data
    if not isinstance(d, dict):
        raise SlotDamage(f"{what} is missing")
    if "legacy" in d:
        return RecoveryEntry(legacy=_legacy_slot(d["legacy"], what))
    return RecoveryEntry(
        salt=sc.b64(sc.unb64(d.get("salt"), f"{what}: salt", sc.SALT_BOUNDS)),
        box=sc.b64(sc.unb64(d.get("box"), f"{what}: public key", 32)),
        sign=sc.b64(sc.unb64(d.get("sign"), f"{what}: signing key", 32)),
    )


def _sealed(data: Any, what: str) -> Sealed:
    d = _entry(data, what)
    epoch, boxes = d.get("epoch"), d.get("boxes")
    if type(epoch) is not int or epoch < 1 or not isinstance(boxes, dict):
        raise SlotDamage(f"{what} is not readable")
    for label, box in boxes.items():
        sc.check_sealed(box, f"{what} for {label}")
    recovery = None
    if d.get("recovery") is not None:
        recovery = _recovery(d["recovery"], f"{what}: recovery key", whole=False)
    return Sealed(epoch=epoch, boxes=dict(boxes), recovery=recovery)


def parse(data: dict[str, Any]) -> KeySlotFile:
    """A format-2 file."""
    users = data.get("users")
    if not isinstance(users, dict):
        raise SlotDamage("the user entries are missing")
    slots = KeySlotFile(vault_id=_text(data.get("vault_id"), "the vault id"))
    slots.users = {str(login): _user(str(login), entry) for login, entry in users.items()}
    if "recovery" in data:
        slots.recovery = _recovery(data["recovery"])
    if "sealed" in data:
        slots.sealed = _sealed(data["sealed"], "the sealed database key")
    if "next" in data:
        slots.next = _sealed(data["next"], "the next database key")
    return slots


def parse_v1(data: dict[str, Any]) -> KeySlotFile:
    """A format-1 file (read for the upgrade)."""
    from careDesk.model.security import user_id

    raw = data.get("slots")
    if not isinstance(raw, list):
        raise SlotDamage("the slots are missing")
    slots = KeySlotFile(vault_id=_text(data.get("vault_id"), "the vault id"), format=1)
    for item in raw:
        slot = _legacy_slot(item, "a key slot")
        login = slot["name"]
        if slot["kind"] == "password":
            slots.users[login] = UserEntry(login=login, user_id=user_id(login), legacy=slot)
        elif slot["kind"] == RECOVERY:
            slots.recovery = RecoveryEntry(legacy=slot)
    for item in raw:
        if item["kind"] == "remember" and item["name"] in slots.users:
            slots.users[item["name"]].legacy_remember = item
    return slots
