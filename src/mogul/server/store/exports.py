"""Activities exports: a job that writes the account's activities in a range to a zip, which
mogul serves itself at a signed URL in place of ChartMogul's pre-signed S3 one.

A job is `pending` until its file is written (`succeeded`) or it fails (`failed`, no file). The process that runs
it holds a lease (`claimed_at`, renewed as it goes): a job whose lease lapsed (its process died) is claimed again
by the next process that starts or is asked about it, so a restart reruns unfinished jobs; a lease still held by
another process is left alone. The file stays in the database, so every worker process serves it, until
`expires_at` (7 days after it was written, as recorded); after that the URL answers 410 and the file is dropped.

The zip holds one CSV, UTF-8 with a header row, one row per activity in date order, with the columns of an
`/activities` entry (`COLUMNS`).
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import re
import secrets
import uuid
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Row, insert, select, update
from sqlalchemy.exc import IntegrityError

from ...objects import ActivitiesExport
from ..errors import ApiError, coded
from ..pagination import decode_cursor
from ..render import render
from ..timefmt import MICROS, from_us, now_us
from ..validation import Problem, checked, detailed
from . import schema
from .activities import Activities, ActivityQuery
from .database import Database

NOT_FOUND = "Activities export not found"
EXPIRED = "This export's file has expired."
LIFETIME_US = 7 * 86_400 * MICROS
LEASE_US = 30 * MICROS
"""A running job renews its claim at least this often; a claim older than this belongs to a dead process."""
CHUNK = 5_000
DAY_US = 86_400 * MICROS
SIGNING_KEY = "export_signing_key"
# The keys of an `/activities` entry, in its order: the CSV's columns.
COLUMNS = (
    "description",
    "activity-mrr-movement",
    "activity-mrr",
    "activity-arr",
    "date",
    "type",
    "currency",
    "subscription-external-id",
    "subscription-set-external-id",
    "plan-external-id",
    "customer-name",
    "customer-uuid",
    "customer-external-id",
    "billing-connector-uuid",
    "uuid",
)

x = schema.activities_exports


@dataclass(frozen=True)
class Download:
    name: str
    content: bytes


def _not_found() -> ApiError:
    return coded(404, NOT_FOUND, "id")


def _param_date(us: int | None) -> str | None:
    return None if us is None else from_us(us).strftime("%Y-%m-%d %H:%M:%S +0000")


def _either(values: Mapping[str, Any], attr: str) -> int | None:
    """A date sent as `start-date`, or as older clients spell it, `start_date` (the kebab spelling wins)."""
    kebab = values.get(attr)
    return kebab if kebab is not None else values.get(f"{attr}_snake")


def _file_name(account: str, export_id: str, suffix: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", account.lower()).strip("-") or "account"
    return f"activities-{slug}-{export_id}.{suffix}"


class Exports:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- the API

    def create(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """A pending job for `body` (`start-date`, `end-date`, `type`, all optional; snake spellings too)."""
        values = checked(ActivitiesExport, body, "create", detailed)
        start = _either(values, "start_date")
        end = _either(values, "end_date")
        end_before = None
        if end is not None:  # a day includes its whole day, an instant itself
            raw = body.get("end-date") if values.get("end_date") is not None else body.get("end_date")
            end_before = end + (DAY_US if len(str(raw).strip()) == 10 else 1)
        if start is not None and end_before is not None and end_before <= start:
            raise detailed([Problem("end-date", "invalid", "must not be before start-date")])
        now = now_us()
        row = {
            "id": str(uuid.uuid4()),
            "status": "pending",
            "activity_type": values.get("type"),
            "start_at": start,
            "end_at": end,
            "end_before": end_before,
            "created_at": now,
        }
        with self.db.begin() as conn:
            # Files past their expiry are dropped here: a new export is the natural moment, and it costs nothing.
            conn.execute(update(x).where(x.c.expires_at < now, x.c.file.is_not(None)).values(file=None))
            conn.execute(insert(x).values(**row))
        return self._render(row, None)

    def get(self, export_id: str, origin: str) -> tuple[dict[str, Any], bool]:
        """The export as the API shows it (`origin`: the URL the client reached this server at), and whether
        its job needs a runner (pending, and no live process holds it)."""
        with self.db.read() as conn:
            row = conn.execute(select(*_SUMMARY).where(x.c.id == export_id)).first()
            if row is None:
                raise _not_found()
            url = None
            if row.status == "succeeded":
                url = self._url(conn, row, origin)
        stalled = row.status == "pending" and (row.claimed_at or row.created_at) < now_us() - LEASE_US
        return self._render(row._asdict(), url), stalled

    def download(self, export_id: str, name: str, expires: str, signature: str) -> Download:
        """The zip behind a `file_url`: the signature must match, and the file not have expired (410)."""
        with self.db.read() as conn:
            key = _signing_key(conn)
            if not hmac.compare_digest(signature.encode(), _sign(key, export_id, expires).encode()):
                raise coded(403, "The signature does not match.", "signature")
            row = conn.execute(select(x.c.status, x.c.expires_at, x.c.file).where(x.c.id == export_id)).first()
            account = _account_name(conn)
        if row is None or row.status != "succeeded" or name != _file_name(account, export_id, "zip"):
            raise _not_found()
        if row.expires_at <= now_us() or row.file is None:
            raise coded(410, EXPIRED, "id")
        return Download(name, bytes(row.file))

    # --- the job

    def unfinished(self) -> list[str]:
        """Pending jobs no live process holds (run at start-up: a restart reruns what it interrupted)."""
        stale = now_us() - LEASE_US
        with self.db.read() as conn:
            query = select(x.c.id).where(x.c.status == "pending", (x.c.claimed_at.is_(None)) | (x.c.claimed_at < stale))
            return list(conn.execute(query.order_by(x.c.created_at)).scalars())

    def run(self, export_id: str) -> bool:
        """Run the job unless another process holds it or it is done; True when this call wrote its outcome."""
        if not self._claim(export_id):
            return False
        with self.db.read() as conn:
            row = conn.execute(select(x).where(x.c.id == export_id)).one()
            account = _account_name(conn)
        try:
            content = self._zip(row, _file_name(account, export_id, "csv"))
        except Exception:
            self._finish(export_id, status="failed", claimed_at=None)
            raise
        now = now_us()
        return self._finish(
            export_id, status="succeeded", file=content, finished_at=now, expires_at=now + LIFETIME_US, claimed_at=None
        )

    def _claim(self, export_id: str) -> bool:
        now = now_us()
        lapsed = (x.c.claimed_at.is_(None)) | (x.c.claimed_at < now - LEASE_US)
        with self.db.begin() as conn:
            claimed = conn.execute(
                update(x).where(x.c.id == export_id, x.c.status == "pending", lapsed).values(claimed_at=now)
            )
            return claimed.rowcount == 1

    def _renew(self, export_id: str) -> None:
        with self.db.begin() as conn:
            conn.execute(update(x).where(x.c.id == export_id, x.c.status == "pending").values(claimed_at=now_us()))

    def _finish(self, export_id: str, **values: Any) -> bool:
        with self.db.begin() as conn:
            done = conn.execute(update(x).where(x.c.id == export_id, x.c.status == "pending").values(**values))
            return done.rowcount == 1

    def _zip(self, row: Row[Any], csv_name: str) -> bytes:
        """The activities of the job's range, a page of `CHUNK` at a time (renewing the lease between pages), as
        one CSV in a zip. Rows are compressed as they are written: only the zip is held in memory."""
        buffer = io.BytesIO()
        with (
            zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive,
            archive.open(csv_name, "w", force_zip64=True) as member,
            io.TextIOWrapper(member, encoding="utf-8", newline="") as text,
        ):
            out = csv.writer(text)
            out.writerow(COLUMNS)
            activities = Activities(self.db)
            after: tuple[int, int] | None = None
            while True:
                query = ActivityQuery(
                    start=row.start_at, end=row.end_before, type=row.activity_type, per_page=CHUNK, after=after
                )
                page = activities.list(query)
                for body in page.bodies:
                    entry = orjson.loads(body)
                    out.writerow([entry.get(column) for column in COLUMNS])
                if not page.has_more or page.cursor is None:
                    break
                after = decode_cursor(page.cursor)
                self._renew(row.id)
        return buffer.getvalue()

    # --- rendering

    @staticmethod
    def _render(row: Mapping[str, Any], url: str | None) -> dict[str, Any]:
        return render(
            ActivitiesExport,
            {
                "id": row["id"],
                "status": row["status"],
                "file_url": url,
                "params": {
                    "kind": "activities",
                    "params": {
                        "activity_type": row["activity_type"],
                        "start_date": _param_date(row["start_at"]),
                        "end_date": _param_date(row["end_at"]),
                    },
                },
                "expires_at": row.get("expires_at"),
                "created_at": row["created_at"],
            },
        )

    @staticmethod
    def _url(conn: Any, row: Row[Any], origin: str) -> str:
        expires = str(row.expires_at // MICROS)
        name = _file_name(_account_name(conn), row.id, "zip")
        signature = _sign(_signing_key(conn), row.id, expires)
        return f"{origin.rstrip('/')}/exports/{row.id}/{name}?expires={expires}&signature={signature}"


_SUMMARY = (
    x.c.id,
    x.c.status,
    x.c.activity_type,
    x.c.start_at,
    x.c.end_at,
    x.c.created_at,
    x.c.claimed_at,
    x.c.expires_at,
)


def _sign(key: str, export_id: str, expires: str) -> str:
    """HMAC-SHA256 of the export and its expiry under the database's own key: a URL is good for one export, and
    only on servers of this database."""
    return hmac.new(key.encode(), f"activities_export:{export_id}:{expires}".encode(), hashlib.sha256).hexdigest()


def _signing_key(conn: Any) -> str:
    meta = schema.meta
    found = conn.execute(select(meta.c.value).where(meta.c.key == SIGNING_KEY)).scalar_one_or_none()
    if found is None:
        raise RuntimeError("the export signing key is missing")
    return found


def ensure_signing_key(db: Database) -> None:
    """Make the database's URL-signing key unless it exists (safe when several workers start at once)."""
    meta = schema.meta
    try:
        with db.begin() as conn:
            if conn.execute(select(meta.c.key).where(meta.c.key == SIGNING_KEY)).first() is None:
                conn.execute(insert(meta).values(key=SIGNING_KEY, value=secrets.token_hex(32)))
    except IntegrityError:
        pass  # another worker made it first


def _account_name(conn: Any) -> str:
    return conn.execute(select(schema.account.c.name)).scalar_one()
