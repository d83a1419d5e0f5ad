"""API keys: created and revoked from the CLI (`mogul keys`), checked by `auth.KeyRing`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update

from ..auth import ACCESS_LEVELS, hash_key, new_key
from ..timefmt import now_us
from . import schema
from .database import Database


@dataclass(frozen=True)
class KeyInfo:
    id: int
    name: str
    access: str
    hint: str
    created_at: int
    revoked_at: int | None


def create_key(db: Database, name: str, access: str) -> tuple[str, KeyInfo]:
    """Store a new key's hash; the clear key is returned once and never kept."""
    if access not in ACCESS_LEVELS:
        raise ValueError(f"access must be one of {', '.join(ACCESS_LEVELS)}")
    if not name.strip():
        raise ValueError("a key needs a name")
    key = new_key()
    created = now_us()
    with db.begin() as conn:
        key_id = conn.execute(
            schema.api_keys.insert()
            .values(name=name, key_hash=hash_key(key), key_hint=key[:4], access=access, created_at=created)
            .returning(schema.api_keys.c.id)
        ).scalar_one()
    return key, KeyInfo(key_id, name, access, key[:4], created, None)


def list_keys(db: Database) -> list[KeyInfo]:
    with db.read() as conn:
        rows = conn.execute(select(schema.api_keys).order_by(schema.api_keys.c.id)).all()
    return [KeyInfo(r.id, r.name, r.access, r.key_hint, r.created_at, r.revoked_at) for r in rows]


def count_active_keys(db: Database) -> int:
    with db.read() as conn:
        return conn.execute(
            select(func.count()).select_from(schema.api_keys).where(schema.api_keys.c.revoked_at.is_(None))
        ).scalar_one()


def revoke_key(db: Database, ident: str) -> KeyInfo:
    """Revoke by numeric id or by name; raises LookupError when nothing active matches."""
    keys = [k for k in list_keys(db) if k.revoked_at is None and (str(k.id) == ident or k.name == ident)]
    if not keys:
        raise LookupError(f"no active key with id or name {ident!r}")
    if len(keys) > 1:
        raise LookupError(f"{len(keys)} active keys are named {ident!r}; revoke by id")
    when = now_us()
    with db.begin() as conn:
        conn.execute(update(schema.api_keys).where(schema.api_keys.c.id == keys[0].id).values(revoked_at=when))
    k = keys[0]
    return KeyInfo(k.id, k.name, k.access, k.hint, k.created_at, when)
