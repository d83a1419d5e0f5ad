"""The commands every CRM family has (`mogul contacts|notes|opportunities|tasks list|get|create|update|delete`),
their create and update options derived from the object's declaration: one option per field, named as the API
names it (`--first-name` for `first_name`), required where the API requires it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import click
import orjson

from ..client import ApiObject, Client
from ..objects import Field, fields
from ..objects.base import View
from .common import api_options, echo_deleted, emit, make_client, print_table


@dataclass(frozen=True)
class Filter:
    """A list filter: the resource's keyword (and the API's query parameter)."""

    name: str
    help: str
    type: Any = None


@dataclass(frozen=True)
class CrmCommands:
    """One family: its command group's name and help, the client attribute, its declared class, the key and the
    columns of its table, its list filters and an example."""

    name: str
    help: str
    resource: str
    cls: type[ApiObject]
    columns: Sequence[str]
    filters: Sequence[Filter]
    example: str
    key: str = "uuid"

    def of(self, cm: Client) -> Any:
        return getattr(cm, self.resource)

    def show(self, objects: Iterable[ApiObject]) -> None:
        print_table(None, self.columns, ([o.get(k) for k in self.columns] for o in objects))


def _custom(values: tuple[str, ...]) -> list[dict[str, Any]]:
    """`--custom KEY=VALUE` items as `[{key, value}]`; a value that reads as JSON (`4`, `true`, `"x"`) is taken as
    that, any other as a string."""
    out = []
    for item in values:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="--custom")
        try:
            value: Any = orjson.loads(raw)
        except orjson.JSONDecodeError:
            value = raw
        out.append({"key": key, "value": value})
    return out


def _option(f: Field, view: View) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    flag = "--" + f.name.replace("_", "-")
    help_ = f.doc or f.name.replace("_", " ").capitalize() + "."
    if f.name == "custom":
        return click.option(
            flag,
            "custom",
            multiple=True,
            metavar="KEY=VALUE",
            help="A custom field (value as JSON, else text); repeat.",
        )
    kind = f.request_type
    if kind.enum is not None:
        kind_type: Any = click.Choice([str(v) for v in kind.enum])
    elif kind.kind == "integer":
        kind_type = int
    else:
        kind_type = str
    return click.option(flag, f.name, type=kind_type, required=f.required(view), help=help_)


def _declared_options(cls: type[ApiObject], view: View) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def attach(func: Callable[..., Any]) -> Callable[..., Any]:
        for f in reversed(fields(cls, view)):
            if f.request_type.kind != "object":  # `associated_object_identifier`: the client's own keywords
                func = _option(f, view)(func)
        return func

    return attach


def _body(values: dict[str, Any]) -> dict[str, Any]:
    body = {k: v for k, v in values.items() if v is not None and k != "custom"}
    if values.get("custom"):
        body["custom"] = _custom(values["custom"])
    return body


def crm_group(spec: CrmCommands) -> click.Group:
    group = click.Group(spec.name, help=spec.help)

    @group.command("list")
    @click.option("--limit", type=click.IntRange(1), help="Stop after this many.")
    @api_options
    def list_(api_key: str, base_url: str, as_json: bool, limit: int | None, **filters: Any) -> None:
        with make_client(api_key, base_url) as cm:
            found = []
            for item in spec.of(cm).list(**{k: v for k, v in filters.items() if v is not None}):
                found.append(item)
                if limit and len(found) >= limit:
                    break
        emit(found, as_json, spec.show, key="entries")

    list_.params[:0] = [
        click.Option(["--" + flt.name.replace("_", "-"), flt.name], type=flt.type, help=flt.help)
        for flt in spec.filters
    ]
    list_.help = f"List {spec.name}, newest first, following every page.\n\n\b\nExample:\n  {spec.example}"

    @group.command("get")
    @click.argument("uuid")
    @api_options
    def get(api_key: str, base_url: str, as_json: bool, uuid: str) -> None:
        with make_client(api_key, base_url) as cm:
            found = spec.of(cm).retrieve(uuid)
        emit([found], as_json, spec.show)

    get.help = f"Show one of the {spec.name} by its `{spec.key}`."

    @group.command("create")
    @_declared_options(spec.cls, "create")
    @api_options
    def create(api_key: str, base_url: str, as_json: bool, **values: Any) -> None:
        with make_client(api_key, base_url) as cm:
            made = spec.of(cm).create(**_body(values))
        emit([made], as_json, spec.show)

    create.help = f"Create one of the {spec.name}; the options are the API's fields."

    @group.command("update")
    @click.argument("uuid")
    @_declared_options(spec.cls, "update")
    @api_options
    def update(api_key: str, base_url: str, as_json: bool, uuid: str, **values: Any) -> None:
        body = _body(values)
        if not body:
            raise click.UsageError("Nothing to change: give at least one field option.")
        with make_client(api_key, base_url) as cm:
            changed = spec.of(cm).update(uuid, **body)
        emit([changed], as_json, spec.show)

    update.help = f"Change the fields given of one of the {spec.name}; the others keep their values."

    @group.command("delete")
    @click.argument("uuid")
    @api_options
    def delete(api_key: str, base_url: str, as_json: bool, uuid: str) -> None:
        with make_client(api_key, base_url) as cm:
            spec.of(cm).delete(uuid)
        echo_deleted(uuid, as_json)

    delete.help = f"Delete one of the {spec.name} by its `{spec.key}`."
    return group
