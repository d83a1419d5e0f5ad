"""Credentials and customer data out of what people see: logs, Airbyte LOG/TRACE messages, error messages.

Three things are masked with `***`: the password of a URL (`https://user:token@host` ->
`https://user:***@host`), the values of query parameters that name a secret or an email (`?email=...`, `?api_key=...`),
and anything shaped like an email address. Given strings (an API key) are masked wherever they appear.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote

MASK = "***"
# Query parameters whose values are secrets or customer data, compared lowercased without `-` and `_`.
SENSITIVE_PARAMS = frozenset(
    {"email", "key", "apikey", "token", "accesstoken", "password", "passwd", "secret", "auth", "authorization"}
)
# The password of `scheme://user:password@`; the user name stays (SQLAlchemy shows URLs the same way).
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://[^/?#@:\s]*:)[^/?#@\s]*@")
# No `*` or `/` in the local part: `https://***@host` (already masked) is no email.
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'+=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_QUERY_PAIR = re.compile(r"([?&;])([^=&#\s]+)=([^&#\s]*)")


def _sensitive(name: str) -> bool:
    plain = name.lower().replace("-", "").replace("_", "")
    return plain in SENSITIVE_PARAMS or plain.endswith(("key", "token", "password", "secret", "email"))


def query(raw: str) -> str:
    """A query string (without `?`) with sensitive values masked; names and order kept."""
    if not raw:
        return raw
    pairs = []
    for name, value in parse_qsl(raw, keep_blank_values=True):
        masked = MASK if _sensitive(name) or _EMAIL.search(value) else quote(value, safe="")
        pairs.append(f"{quote(name, safe='')}={masked}")
    return "&".join(pairs)


def path(full_path: str) -> str:
    """A request target (`/v1/customers/search?email=...`) with its query's sensitive values masked."""
    base, sep, raw = full_path.partition("?")
    return base + sep + query(raw) if sep else full_path


def text(message: str, *secrets: str | None) -> str:
    """Any text (an exception's message, a log line, a URL) with credentials and emails masked."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            message = message.replace(secret, MASK)
    message = _USERINFO.sub(lambda m: m.group(1) + MASK + "@", message)
    message = _QUERY_PAIR.sub(
        lambda m: f"{m.group(1)}{m.group(2)}={MASK}" if _sensitive(m.group(2)) else m.group(0), message
    )
    return _EMAIL.sub(MASK, message)
