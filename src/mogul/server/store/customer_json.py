"""A page of `/v1/customers` rendered by SQLite: each entry is built by `json_object` in C, the page spliced from
the entries' text. Rendering 200 customers in Python (and SQLAlchemy's rows, JSON decoding and orjson's encoding
of them) cost several times what SQLite spends finding them.

The SQL must give exactly the bytes `customers.render` + orjson give. Where it could not be sure of that, a row
is left to the Python renderer (`FAST` is false): merged customers (their id lists are deduplicated in order),
tags or custom attributes holding escapes or numbers written differently by `json.dumps` and orjson (exponents,
integers past 64 bits), a country that is not two capital letters, a US state with non-ASCII letters (Python's
`upper` maps more than SQLite's), timestamps outside the years 1-9999 (Python refuses them). The test
tests/server/test_customer_json.py holds the two renderers to the same bytes.
"""

from __future__ import annotations

import sqlite3

from .geo import COUNTRIES, US_STATES

# Years 1-9999 in µs, what `timefmt` formats.
_MIN_US, _MAX_US = -62_135_596_800_000_000, 253_402_300_799_999_999
_URL = "https://app.chartmogul.com/#/customers/"


def _floor_seconds(col: str) -> str:
    return f"(({col}) - ((({col}) % 1000000) + 1000000) % 1000000) / 1000000"


def _seconds(col: str) -> str:
    # `datetime()` costs a third of `strftime()` with a format; its space becomes the `T`. NULL in, NULL out.
    return f"replace(datetime({_floor_seconds(col)}, 'unixepoch'), ' ', 'T')"


def _iso_offset(col: str) -> str:
    # `iso_offset`: whole seconds (floored, as timedelta does for instants before 1970), `+00:00`.
    return f"{_seconds(col)} || '+00:00'"


def _iso_millis(col: str) -> str:
    # `iso_millis`: milliseconds truncated, `Z`.
    millis = f"(((({col}) % 1000000) + 1000000) % 1000000) / 1000"
    return f"{_seconds(col)} || '.' || substr(1000 + {millis}, 2) || 'Z'"


def _plain_json(col: str, *, numbers: bool) -> str:
    """True when SQLite's `json()` of the stored text is what orjson writes for the value it holds: the text
    has no escapes (json.dumps escapes non-ASCII; orjson writes it raw) and, where it may hold numbers, no
    exponents (`1e-05` against `0.00001`) and no integers orjson would read as floats (20+ digits). Text that is
    not JSON at all makes `json()` fail the statement, and the page is rendered in Python."""
    plain = f"instr({col}, '\\') = 0"
    if numbers:
        plain += f" AND {col} NOT GLOB '*[0-9][eE]*' AND {col} NOT GLOB '*{'[0-9]' * 19}*'"
    return f"({plain})"


_STAMPS = ("c.lead_created_at", "c.free_trial_started_at", "c.customer_since")
FAST = " AND ".join(
    [
        "c.merged_ids = '[]'",
        _plain_json("c.tags", numbers=False),  # tags are strings (attributes.tags_of)
        _plain_json("c.custom", numbers=True),
        "(c.country IS NULL OR c.country GLOB '[A-Z][A-Z]')",
        "(c.country IS NOT 'US' OR c.state IS NULL OR length(c.state) = length(CAST(c.state AS BLOB)))",
        *(f"coalesce({col}, 0) BETWEEN {_MIN_US} AND {_MAX_US}" for col in _STAMPS),
    ]
)

# `render_with`'s keys and values, in its order; `:currency` and `:sign` are the account's.
ENTRY = f"""json_object(
    'id', c.id,
    'uuid', c.uuid,
    'external_id', c.external_id,
    'name', c.name,
    'email', c.email,
    'status', c.status,
    'customer-since', {_iso_offset("c.customer_since")},
    'attributes', json_object('custom', json(c.custom), 'clearbit', json_object(), 'stripe', json_object(),
                              'tags', json(c.tags)),
    'data_source_uuid', ds.uuid,
    'data_source_uuids', json_array(ds.uuid),
    'external_ids', json_array(c.external_id),
    'company', c.company,
    'country', c.country,
    'state', c.state,
    'city', c.city,
    'zip', c.zip,
    'lead_created_at', {_iso_millis("c.lead_created_at")},
    'free_trial_started_at', {_iso_millis("c.free_trial_started_at")},
    'address', json_object(
        'country', CASE WHEN c.country IS NULL THEN NULL
                   ELSE coalesce((SELECT name FROM temp.mogul_countries WHERE code = c.country), c.country) END,
        'state', CASE WHEN c.country = 'US' AND c.state <> ''
                 THEN coalesce((SELECT name FROM temp.mogul_us_states WHERE code = upper(c.state)), c.state)
                 ELSE c.state END,
        'city', c.city,
        'address_zip', c.zip),
    'mrr', c.mrr,
    'arr', c.arr,
    'billing-system-url', NULL,
    'chartmogul-url', '{_URL}' || c.id || '-' ||
                      replace(coalesce(nullif(c.company, ''), nullif(c.name, ''), c.external_id), ' ', '_'),
    'billing-system-type', ds.system,
    'currency', :currency,
    'currency-sign', :sign,
    'owner', c.owner)"""

# `website_url` comes last, and only when set: spliced before the closing brace. The entry ends in `owner`'s
# value, `null` or a quoted string, so rtrim removes that one brace only.
RENDERED = f"""CASE WHEN {FAST} THEN
    CASE WHEN c.website_url <> '' THEN rtrim({ENTRY}, '}}') || ',"website_url":' || json_quote(c.website_url) || '}}'
    ELSE {ENTRY} END
END"""


def install_lookups(conn: sqlite3.Connection) -> None:
    """The geo names `address` spells out, as temporary tables of the reader connection."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS mogul_countries (code TEXT PRIMARY KEY, name TEXT) WITHOUT ROWID")
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS mogul_us_states (code TEXT PRIMARY KEY, name TEXT) WITHOUT ROWID")
    conn.execute("DELETE FROM temp.mogul_countries")
    conn.execute("DELETE FROM temp.mogul_us_states")
    conn.executemany("INSERT INTO temp.mogul_countries VALUES (?, ?)", COUNTRIES.items())
    conn.executemany("INSERT INTO temp.mogul_us_states VALUES (?, ?)", US_STATES.items())


def page_sql(where: list[str], *, after: bool, offset: bool, render: bool = True) -> str:
    """One page: `(id, created_at, entry or NULL)` rows in list order. Named binds: `:currency`, `:sign`, the
    `where` clauses' own, `:limit`, and `:after_at`/`:after_id` or `:offset`. `render` False leaves every entry
    to Python (for a page whose stored JSON SQLite cannot read)."""
    clauses = list(where)
    if after:
        clauses.append("(c.created_at, c.id) > (:after_at, :after_id)")
    tail = " OFFSET :offset" if offset else ""
    condition = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    return (
        f"SELECT c.id, c.created_at, {RENDERED if render else 'NULL'} "
        f"FROM customers AS c JOIN data_sources AS ds ON ds.id = c.data_source_id "
        f"{condition} ORDER BY c.created_at, c.id LIMIT :limit{tail}"
    )
