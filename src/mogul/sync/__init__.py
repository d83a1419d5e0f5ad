"""Sync ChartMogul data (Airbyte protocol messages) into DuckDB or PostgreSQL tables."""

from .catalog import (
    CatalogError,
    StreamSpec,
    WriteMode,
    configured_catalog,
    default_mode,
    parse_catalog,
    resolve_modes,
)
from .destinations import DEFAULT_URL, Destination, DestinationError, connect
from .progress import PlainProgress, Progress, QuietProgress, RichProgress, make_progress
from .results import Outcome, StreamResult, SyncResult
from .runner import load_state, new_sync_id, run_sync

__all__ = [
    "DEFAULT_URL",
    "CatalogError",
    "Destination",
    "DestinationError",
    "Outcome",
    "PlainProgress",
    "Progress",
    "QuietProgress",
    "RichProgress",
    "StreamResult",
    "StreamSpec",
    "SyncResult",
    "WriteMode",
    "configured_catalog",
    "connect",
    "default_mode",
    "load_state",
    "make_progress",
    "new_sync_id",
    "parse_catalog",
    "resolve_modes",
    "run_sync",
]
