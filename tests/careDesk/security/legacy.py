"""A vault as the release before key pairs and signatures left it (schema 2, vault.keys format 1).

Built from a vault of today's code: its schema is taken back to 2 (the signature columns go, so
every event is unsigned), its head file removed, and ``vault.keys`` rewritten the way that
release wrote it: the database key wrapped with AES-256-GCM directly under each password
(Argon2id) and under the recovery key (HKDF-SHA256), bound to "careDesk/<vault>/<kind>/<name>".
"""

from __future__ import annotations

import base64
import json
import os

from alembic import command
from argon2.low_level import Type, hash_secret_raw
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import text

from careDesk.desk import Desk
from careDesk.paths import VaultPaths
from careDesk.store import migrate
from careDesk.store.engine import build_engine
from careDesk.store.keyslots import recovery_secret

FAST = {"time_cost": 1, "memory_cost": 8192, "parallelism": 1}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def old_slot(vault_id: str, kind: str, name: str, secret: str | bytes, key: bytes) -> dict:
    """One format-1 slot, as the previous release's ``keyslots.wrap`` wrote it."""
    salt = os.urandom(16)
    if isinstance(secret, str):
        kdf: dict[str, object] = {"alg": "argon2id", "salt": _b64(salt), **FAST}
        wrap_key = hash_secret_raw(secret.encode(), salt, hash_len=32, type=Type.ID, **FAST)
    else:
        kdf = {"alg": "hkdf-sha256", "salt": _b64(salt)}
        wrap_key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=salt, info=b"careDesk key slot"
        ).derive(secret)
    nonce = os.urandom(12)
    ad = f"careDesk/{vault_id}/{kind}/{name}".encode()
    wrapped = AESGCM(wrap_key).encrypt(nonce, key, ad)
    return {"kind": kind, "name": name, "kdf": kdf, "nonce": _b64(nonce), "wrapped": _b64(wrapped)}


def make_legacy(desk: Desk, passwords: dict[str, str], recovery_key: str) -> None:
    """Close ``desk`` and turn its vault into one from the previous release."""
    paths: VaultPaths = desk.paths
    key, vault_id = desk.key, desk.vault_id
    desk.close()
    engine = build_engine(paths.database, key)
    try:
        with engine.begin() as conn:
            command.downgrade(migrate.alembic_config(conn), "0002")
            conn.execute(text("PRAGMA user_version = 2"))
    finally:
        engine.dispose()
    paths.head.unlink()
    slots = [old_slot(vault_id, "password", login, pw, key) for login, pw in passwords.items()]
    slots.append(old_slot(vault_id, "recovery", "recovery", recovery_secret(recovery_key), key))
    data = {"format": 1, "vault_id": vault_id, "slots": slots}
    paths.key_slots.write_text(json.dumps(data, indent=1, sort_keys=True))
