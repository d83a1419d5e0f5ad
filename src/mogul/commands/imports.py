"""`mogul import invoices FILE.json`: feed invoices in the Import API's own JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import orjson

from ..client import Client
from .common import api_options, make_client, print_json, print_table


@click.group("import")
def import_() -> None:
    """Import data through ChartMogul's Import API."""


def _load(path: Path) -> list[dict[str, Any]]:
    try:
        data = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"{path} is not valid JSON: {exc}") from exc
    invoices = data.get("invoices") if isinstance(data, dict) else data
    if not isinstance(invoices, list) or not all(isinstance(i, dict) for i in invoices):
        raise ValueError(f'{path} must hold {{"invoices": [...]}} or a list of invoices')
    return invoices


def _customer_of(cm: Client, invoice: dict[str, Any], cache: dict[tuple[str, str], str]) -> str:
    """An invoice without --customer names its customer by `data_source_uuid` + `customer_external_id`."""
    ds, ext = invoice.get("data_source_uuid"), invoice.get("customer_external_id")
    if not ds or not ext:
        raise ValueError(
            f"invoice {invoice.get('external_id')!r} needs data_source_uuid and customer_external_id, or use --customer"
        )
    if (ds, ext) not in cache:
        found = cm.customers.list(data_source_uuid=ds, external_id=ext, per_page=1).page().items
        if not found:
            raise LookupError(f"no customer {ext!r} in data source {ds}")
        cache[(ds, ext)] = found[0].uuid
    return cache[(ds, ext)]


@import_.command("invoices")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--customer", "customer_uuid", help="Import every invoice for this customer uuid (cus_...).")
@click.option("--batch-size", default=100, show_default=True, type=click.IntRange(1, 1000), help="Per request.")
@api_options
def invoices(
    api_key: str, base_url: str, as_json: bool, file: Path, customer_uuid: str | None, batch_size: int
) -> None:
    """Import the invoices in FILE ({"invoices": [...]}, as POST /v1/import/customers/{uuid}/invoices takes).

    \b
    Without --customer, each invoice's data_source_uuid + customer_external_id names its customer.
    Each request is all-or-nothing; the first rejected batch stops the import.
      mogul import invoices invoices.json --customer cus_... --json
    """
    items = _load(file)
    imported: list[dict[str, Any]] = []
    with make_client(api_key, base_url) as cm:
        groups: dict[str, list[dict[str, Any]]] = {}
        cache: dict[tuple[str, str], str] = {}
        for invoice in items:
            groups.setdefault(customer_uuid or _customer_of(cm, invoice, cache), []).append(invoice)
        for uuid, group in groups.items():
            for start in range(0, len(group), batch_size):
                done = cm.invoices.import_(uuid, group[start : start + batch_size])
                imported += [{**inv.to_dict(), "customer_uuid": uuid} for inv in done]
    if as_json:
        print_json({"invoices": imported})
    else:
        rows = ([i["uuid"], i["external_id"], i["customer_uuid"], i["date"], len(i["line_items"])] for i in imported)
        print_table(None, ("uuid", "external_id", "customer_uuid", "date", "line_items"), rows)
