"""What a server enforces and injects beyond the API itself: rate limits, request limits, faults, latency.

`ServerSettings()` is the library default (`create_app`, `EmbeddedServer`, the demo and the tests): no rate
limits, no faults, the request-size limits on. `mogul serve` starts from `ServerSettings.chartmogul()`, which
adds ChartMogul's documented limits (40 requests/s and 20 parallel requests per key).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, replace
from typing import Any

# ChartMogul's documented limits.
CHARTMOGUL_RATE_LIMIT = 40
CHARTMOGUL_MAX_CONNECTIONS = 20

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s)?\s*$")
_SIZE = re.compile(r"^\s*(\d+)\s*(b|kb|kib|mb|mib|gb|gib)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {"b": 1, "kb": 1000, "kib": 1024, "mb": 1000**2, "mib": 1024**2, "gb": 1000**3, "gib": 1024**3}


def parse_duration(text: str) -> float:
    """`150ms`, `2s`, `0.5` (seconds) -> seconds."""
    m = _DURATION.match(text)
    if not m:
        raise ValueError(f"not a duration: {text!r} (use e.g. 150ms or 2s)")
    value = float(m.group(1))
    return value / 1000 if m.group(2) == "ms" else value


def parse_size(text: str) -> int:
    """`8MiB`, `500kb`, `1048576` -> bytes."""
    m = _SIZE.match(text)
    if not m:
        raise ValueError(f"not a size: {text!r} (use e.g. 8MiB or 500kB)")
    return int(m.group(1)) * _SIZE_UNITS[(m.group(2) or "b").lower()]


@dataclass(frozen=True)
class RequestLimits:
    """Hostile-input limits; each gives a 4xx in ChartMogul's `{"code","message","param"}` shape.

    Defaults leave room for any real client: a 1,000-invoice import is well under 8 MiB.
    """

    max_body_bytes: int = 8 * 1024 * 1024  # 413, enforced while the body streams in
    max_array_items: int = 1000  # 400: items in any JSON array, so invoices (and line items) per request
    max_string_length: int = 10_000  # 400: characters in any JSON string or object key
    # 400: arrays and objects inside one another. Far above any real body (an invoice import is 5 deep) and far
    # below what every component round-trips: orjson encodes at most 255 levels, and a stored value sits a few
    # levels down in the objects that render it.
    max_depth: int = 32
    max_object_keys: int = 1000  # 400: keys in any JSON object
    max_query_params: int = 50  # 400
    max_query_length: int = 1024  # 400: characters in one query parameter name or value


@dataclass(frozen=True)
class ServerSettings:
    rate_limit: int = 0  # requests per second per API key; 0 = unlimited
    max_connections: int = 0  # requests in flight at once per API key; 0 = unlimited
    faults: str = ""  # a fault spec, `429=0.05,500=0.02,reset=0.01,slow=0.02:2s` (see faults.py); "" = none
    fault_seed: int | None = None  # seeds the fault draws, so a run can be replayed
    fault_header: bool = False  # honour `X-Mogul-Fault: 500` etc. on a request
    latency: float = 0.0  # seconds added before every /v1 response
    limits: RequestLimits = field(default_factory=RequestLimits)

    def __post_init__(self) -> None:
        if self.rate_limit < 0 or self.max_connections < 0 or self.latency < 0:
            raise ValueError("rate_limit, max_connections and latency must be >= 0")
        from .faults import FaultPlan  # here, not at the top: faults imports this module

        FaultPlan.parse(self.faults)  # fail at configuration time, not on the first request

    @classmethod
    def chartmogul(cls, **overrides: Any) -> ServerSettings:
        """ChartMogul's own limits; what `mogul serve` runs with unless told otherwise."""
        base = cls(rate_limit=CHARTMOGUL_RATE_LIMIT, max_connections=CHARTMOGUL_MAX_CONNECTIONS)
        return replace(base, **overrides)

    def to_json(self) -> str:
        """For worker processes, which rebuild the app from the environment."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> ServerSettings:
        data = json.loads(text)
        data["limits"] = RequestLimits(**data.get("limits", {}))
        return cls(**data)
