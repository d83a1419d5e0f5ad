"""Where synced streams land: DuckDB (the default) or PostgreSQL, chosen by URL."""

from __future__ import annotations

from .base import Destination, DestinationError, StoredState, StreamStatus

DEFAULT_URL = "duckdb:///chartmogul.duckdb"

__all__ = ["DEFAULT_URL", "Destination", "DestinationError", "StoredState", "StreamStatus", "connect"]


def connect(url: str = DEFAULT_URL) -> Destination:
    """Open the destination a URL names: `duckdb:///file.duckdb` or `postgresql://user@host/db`
    (both accept `?schema=name`)."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme == "duckdb":
        from .duckdb import DuckDBDestination

        return DuckDBDestination.from_url(url)
    if scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        from .postgres import PostgresDestination

        return PostgresDestination.from_url(url)
    shown = url if scheme != "" else repr(url)
    raise DestinationError(
        f"unsupported destination {shown}: use duckdb:///path/file.duckdb or postgresql://user@host:5432/db"
    )
