"""`/v1/customers` entries stored rendered, on SQLite: triggers render a customer's JSON (`json_object`, in C)
whenever a row, or its data source, is written, and a list page splices the stored text, as `/activities` does.
Rendering 200 customers on each read, in Python or in SQL, cost several times what SQLite spends finding them.

The entry is stored in two parts, `render_head` (up to `billing-system-type`) and `render_tail` (`owner` and
`website_url`): the account's `currency` and `currency-sign`, between them, are given at read time.

The SQL must give exactly the bytes `customers.render` + orjson give. Where it could not be sure of that, a row
is stored unrendered (NULL) and left to the Python renderer (`fast` is false): merged customers (their id lists
are deduplicated in order), tags or custom attributes holding escapes or numbers written differently by
`json.dumps` and orjson (exponents, integers past 64 bits), a country that is not two capital letters, a US state
with non-ASCII letters (Python's `upper` maps more than SQLite's), timestamps outside the years 1-9999 (Python
refuses them). tests/server/test_customer_json.py holds the two renderers to the same bytes.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

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


_STAMPS = ("lead_created_at", "free_trial_started_at", "customer_since")


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _lookup(table: dict[str, str], key: str, default: str) -> str:
    """`table.get(key, default)` as a CASE (a trigger cannot read temporary tables; a write can afford it)."""
    whens = " ".join(f"WHEN {_sql_text(code)} THEN {_sql_text(name)}" for code, name in table.items())
    return f"CASE {key} {whens} ELSE {default} END"


def fast(c: str) -> str:
    """The condition for SQL to render the customers row `c`, whose stored JSON is known to be valid or not."""
    return " AND ".join(
        [
            f"{c}.merged_ids = '[]'",
            f"json_valid({c}.tags)",
            f"json_valid({c}.custom)",
            _plain_json(f"{c}.tags", numbers=False),  # tags are strings (attributes.tags_of)
            _plain_json(f"{c}.custom", numbers=True),
            f"({c}.country IS NULL OR {c}.country GLOB '[A-Z][A-Z]')",
            f"({c}.country IS NOT 'US' OR {c}.state IS NULL OR length({c}.state) = length(CAST({c}.state AS BLOB)))",
            *(f"coalesce({c}.{col}, 0) BETWEEN {_MIN_US} AND {_MAX_US}" for col in _STAMPS),
        ]
    )


def head(c: str) -> str:
    """`render_with`'s keys and values up to `billing-system-type`, without the closing brace: the account's
    `currency` and `currency-sign` follow, given at read time (the account's currency can change)."""
    ds = f"(SELECT {{}} FROM data_sources AS ds WHERE ds.id = {c}.data_source_id)"
    us_state = _lookup(US_STATES, f"upper({c}.state)", f"{c}.state")
    entry = f"""json_object(
    'id', {c}.id,
    'uuid', {c}.uuid,
    'external_id', {c}.external_id,
    'name', {c}.name,
    'email', {c}.email,
    'status', {c}.status,
    'customer-since', {_iso_offset(f"{c}.customer_since")},
    'attributes', json_object('custom', json({c}.custom), 'stripe', json_object(), 'tags', json({c}.tags)),
    'data_source_uuid', {ds.format("ds.uuid")},
    'data_source_uuids', json_array({ds.format("ds.uuid")}),
    'external_ids', json_array({c}.external_id),
    'company', {c}.company,
    'country', {c}.country,
    'state', {c}.state,
    'city', {c}.city,
    'zip', {c}.zip,
    'lead_created_at', {_iso_millis(f"{c}.lead_created_at")},
    'free_trial_started_at', {_iso_millis(f"{c}.free_trial_started_at")},
    'address', json_object(
        'country', {_lookup(COUNTRIES, f"{c}.country", f"{c}.country")},
        'state', CASE WHEN {c}.country = 'US' AND {c}.state <> '' THEN {us_state} ELSE {c}.state END,
        'city', {c}.city,
        'address_zip', {c}.zip),
    'mrr', {c}.mrr,
    'arr', {c}.arr,
    'billing-system-url', NULL,
    'chartmogul-url', '{_URL}' || {c}.id || '-' ||
                      replace(coalesce(nullif({c}.company, ''), nullif({c}.name, ''), {c}.external_id), ' ', '_'),
    'billing-system-type', {ds.format("ds.system")})"""
    # The last value is a quoted string, so rtrim takes the one closing brace.
    return f"rtrim({entry}, '}}')"


def tail(c: str) -> str:
    """From `owner` to the end."""
    return f"""',"owner":' || json_quote({c}.owner) || ',"website_url":' || json_quote({c}.website_url) || '}}'"""


# What the stored parts are made from: a change to any of these columns renders the row again.
_SOURCES = (
    "uuid, data_source_id, external_id, name, email, company, country, state, city, zip, website_url, owner, "
    "lead_created_at, free_trial_started_at, tags, custom, merged_ids, status, mrr, arr, customer_since"
)
_SET = f"""render_head = CASE WHEN {fast("customers")} THEN {head("customers")} END,
    render_tail = CASE WHEN {fast("customers")} THEN {tail("customers")} END"""
COLUMNS = ("render_head", "render_tail")
_TRIGGERS = {
    "customers_render_insert": f"AFTER INSERT ON customers BEGIN UPDATE customers SET {_SET} WHERE id = NEW.id; END",
    "customers_render_update": f"AFTER UPDATE OF {_SOURCES} ON customers BEGIN "
    f"UPDATE customers SET {_SET} WHERE id = NEW.id; END",
    "data_sources_render_update": f"AFTER UPDATE OF uuid, system ON data_sources BEGIN "
    f"UPDATE customers SET {_SET} WHERE data_source_id = NEW.id; END",
}
# Trigger names carry a digest of the rendering SQL: a database rendered by another version is rendered again.
_DIGEST = hashlib.sha256(repr(sorted(_TRIGGERS.items())).encode()).hexdigest()[:10]
TRIGGERS = {f"mogul_{name}_{_DIGEST}": body for name, body in _TRIGGERS.items()}


def install(conn: Any) -> None:
    """Add the stored parts and their triggers to a SQLite database that lacks them (or has another version's),
    and render every row. Outside SQLAlchemy's table: PostgreSQL renders in Python, the schema version stays."""
    present = {row[1] for row in conn.exec_driver_sql("PRAGMA table_info(customers)")}
    triggers = {row[0] for row in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    if set(COLUMNS) <= present and set(TRIGGERS) <= triggers:
        return
    for column in COLUMNS:
        if column not in present:
            conn.exec_driver_sql(f"ALTER TABLE customers ADD COLUMN {column} TEXT")
    for name in triggers:
        if name.startswith("mogul_") and "_render_" in name:
            conn.exec_driver_sql(f"DROP TRIGGER {name}")
    for name, body in TRIGGERS.items():
        conn.exec_driver_sql(f"CREATE TRIGGER {name} {body}")
    conn.exec_driver_sql(f"UPDATE customers SET {_SET}")


def page_sql(where: list[str], *, after: bool, offset: bool, join: bool) -> str:
    """One page: `(id, created_at, entry or NULL)` rows in list order; NULL for a row left to Python. Named
    binds: `:middle` (the account's currency keys), the `where` clauses' own, `:limit`, and
    `:after_at`/`:after_id` or `:offset`. `join` when a clause reads the data source (`ds`); otherwise none is
    needed, as every customer's data source exists (a foreign key, cascading deletes)."""
    source = "customers AS c" + (" JOIN data_sources AS ds ON ds.id = c.data_source_id" if join else "")
    clauses = list(where)
    if after:
        clauses.append("(c.created_at, c.id) > (:after_at, :after_id)")
    condition = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    entry = "c.id, c.created_at, c.render_head || :middle || c.render_tail"
    order = "ORDER BY c.created_at, c.id"
    if not offset:
        return f"SELECT {entry} FROM {source}{condition} {order} LIMIT :limit"
    # The rows an offset skips are found in an index alone; only the page's own rows are read.
    ids = f"SELECT c.id FROM {source}{condition} {order} LIMIT :limit OFFSET :offset"
    return f"SELECT {entry} FROM customers AS c WHERE c.id IN ({ids}) {order}"


def count_sql(where: list[str], *, join: bool) -> str:
    source = "customers AS c" + (" JOIN data_sources AS ds ON ds.id = c.data_source_id" if join else "")
    return f"SELECT count(*) FROM {source}" + (f" WHERE {' AND '.join(where)}" if where else "")


def middle(currency: str, sign: str) -> str:
    """The keys between the stored parts."""
    return f',"currency":{orjson.dumps(currency).decode()},"currency-sign":{orjson.dumps(sign).decode()}'
