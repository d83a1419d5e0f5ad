"""HTTP Basic authentication with API keys, as pure ASGI middleware.

The key is the user name; the password is empty or the key again (legacy clients send it twice).
Keys are stored as sha256 hashes and compared in constant time. A read-only key may only read:
every method other than GET/HEAD/OPTIONS is refused with 403, so no write route can forget the check.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from anyio.to_thread import run_sync
from sqlalchemy import select
from starlette.types import ASGIApp, Receive, Scope, Send

from .errors import FORBIDDEN_MESSAGE, UNAUTHORIZED_MESSAGE, ApiError, coded
from .responses import json
from .store import schema
from .store.database import Database

READ_ONLY = "read-only"
READ_WRITE = "read-write"
ACCESS_LEVELS = (READ_ONLY, READ_WRITE)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# A key that was just revoked stops working within this many seconds, however many workers serve.
CACHE_SECONDS = 1.0


@dataclass(frozen=True)
class Principal:
    key_id: int
    name: str
    access: str

    @property
    def can_write(self) -> bool:
        return self.access == READ_WRITE


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return secrets.token_hex(16)


def parse_basic(header: str | None) -> str | None:
    """The API key from an `Authorization: Basic ...` header, or None when it is absent or malformed."""
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "basic" or not token:
        return None
    try:
        # A str with a non-ASCII character raises ValueError, not binascii.Error.
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    if not sep or not user:
        return None
    if password and not hmac.compare_digest(password.encode(), user.encode()):
        return None
    return user


class KeyRing:
    """Looks up keys by hash, with a short positive cache so the hot path does not touch the database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._cache: dict[str, tuple[float, Principal]] = {}

    def lookup(self, key: str) -> Principal | None:
        digest = hash_key(key)
        hit = self._cache.get(digest)
        if hit and hit[0] > time.monotonic():
            return hit[1]
        with self.db.read() as conn:
            row = conn.execute(
                select(schema.api_keys).where(
                    schema.api_keys.c.key_hash == digest, schema.api_keys.c.revoked_at.is_(None)
                )
            ).first()
        if row is None or not hmac.compare_digest(row.key_hash, digest):
            self._cache.pop(digest, None)
            return None
        principal = Principal(row.id, row.name, row.access)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[digest] = (time.monotonic() + CACHE_SECONDS, principal)
        return principal

    async def lookup_async(self, key: str) -> Principal | None:
        digest = hash_key(key)
        hit = self._cache.get(digest)
        if hit and hit[0] > time.monotonic():
            return hit[1]
        return await run_sync(self.lookup, key)


class AuthMiddleware:
    """Authenticates every request under `prefix`; puts the `Principal` in `scope["principal"]`."""

    def __init__(self, app: ASGIApp, keys: KeyRing, prefix: str = "/v1/") -> None:
        self.app = app
        self.keys = keys
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        header = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                header = value.decode("latin-1")
                break
        key = parse_basic(header)
        principal = await self.keys.lookup_async(key) if key else None
        if principal is None:
            await _reply(coded(401, UNAUTHORIZED_MESSAGE), scope, receive, send)
            return
        if scope["method"] not in SAFE_METHODS and not principal.can_write:
            await _reply(coded(403, FORBIDDEN_MESSAGE), scope, receive, send)
            return
        scope["principal"] = principal
        await self.app(scope, receive, send)


async def _reply(error: ApiError, scope: Scope, receive: Receive, send: Send) -> None:
    await json(error.body, error.status, error.headers)(scope, receive, send)
