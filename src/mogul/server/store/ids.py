"""Identifiers in ChartMogul's formats (reference §0.8)."""

from __future__ import annotations

import uuid


def new_uuid(prefix: str = "") -> str:
    """`ds_`, `cus_`, `pl_`, `inv_`, `li_`, `tr_`, `sub_` + a UUID; no prefix for activities."""
    return f"{prefix}{uuid.uuid4()}"
