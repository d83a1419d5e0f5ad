"""The five routes every CRM family has, built from its declaration: list (newest first,
cursor pages), create (201), retrieve, update (PATCH 200) and delete (200 `{}`), all with the `{code, message,
param}` error bodies."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...objects import ApiObject
from ..openapi import CODED_ERROR, STRING, Param, Reply, calendar_date, declared, operation
from ..responses import json
from ..store.crm import CrmStore
from .common import CURSOR, EMPTY_OBJECT, PER_PAGE, apply_body, create_from_body, delete_by_uuid, envelope, list_page

# `{"entries": [...], "cursor": "...", "has_more": bool}`: no page keys, even on the first page.
LAYOUT = ("cursor", "has_more")
DAY = {"type": "string", "pattern": f"^(?:{calendar_date()})?$"}
INVALID = Reply("The input breaks a rule of the resource, or names a customer that does not exist.", CODED_ERROR)


def text_filter(name: str, description: str) -> Param:
    return Param(name, STRING, description)


@dataclass(frozen=True)
class Family:
    """One CRM family: its declaration, path, store and list filters."""

    cls: type[ApiObject]
    path: str
    """`/contacts`"""
    store: str
    """Its attribute on `app.state.stores`."""
    singular: str
    """`Contact`: the operation ids are `listContacts`, `createContact`..."""
    plural: str
    filters: Sequence[Param] = ()
    create_description: str = ""
    context: Callable[[Request], dict[str, Any]] | None = None
    """What the store's create and update also take from the request (a note's author: the API key's name)."""
    tag: str = field(default="")

    def of(self, request: Request) -> CrmStore:
        return getattr(request.app.state.stores, self.store)

    def bound(self, request: Request, method: str) -> Callable[..., Any]:
        call = getattr(self.of(request), method)
        return partial(call, **self.context(request)) if self.context else call


def key_name(request: Request) -> dict[str, Any]:
    return {"key_name": request.scope["principal"].name}


def crud_routes(family: Family) -> list[Route]:
    noun, nouns = family.singular.lower(), family.plural.lower()
    tag = family.tag or nouns
    item = declared(family.cls)
    missing = Reply(f"No such {noun}.", CODED_ERROR)

    @operation(
        f"list{family.plural}",
        f"List {nouns}, newest first",
        {200: Reply(f"A page of {nouns}.", envelope("entries", item, LAYOUT))},
        query=[*family.filters, PER_PAGE, CURSOR],
        description="Filters combine; an unknown value matches nothing. Cursor pages only (`page` is ignored).",
        tag=tag,
    )
    async def list_(request: Request) -> Response:
        names = [param.name for param in family.filters]
        return await list_page(
            request, family.of(request).list, "entries", LAYOUT, *names, allow_page=False, row_key=str
        )

    @operation(
        f"create{family.singular}",
        f"Create a {noun}",
        {201: Reply(f"The new {noun}.", item), 422: INVALID},
        body=declared(family.cls, "create"),
        description=family.create_description,
        valid_input_statuses=[422],
        tag=tag,
    )
    async def create(request: Request) -> Response:
        return await create_from_body(request, family.bound(request, "create"))

    @operation(
        f"retrieve{family.singular}", f"Retrieve a {noun}", {200: Reply(f"The {noun}.", item), 404: missing}, tag=tag
    )
    async def retrieve(request: Request) -> Response:
        return json(await run_in_threadpool(family.of(request).get, request.path_params["uuid"]))

    @operation(
        f"update{family.singular}",
        f"Update a {noun}: the fields sent change, the others keep their values",
        {200: Reply(f"The {noun}.", item), 404: missing, 422: INVALID},
        body=declared(family.cls, "update"),
        valid_input_statuses=[422],
        tag=tag,
    )
    async def update(request: Request) -> Response:
        return await apply_body(request, family.bound(request, "update"), status=200)

    @operation(
        f"delete{family.singular}",
        f"Delete a {noun}",
        {200: Reply("Deleted.", EMPTY_OBJECT), 404: missing},
        tag=tag,
    )
    async def delete(request: Request) -> Response:
        return await delete_by_uuid(request, family.of(request).delete, status=200)

    return [
        Route(family.path, list_, methods=["GET"]),
        Route(family.path, create, methods=["POST"]),
        Route(family.path + "/{uuid}", retrieve, methods=["GET"]),
        Route(family.path + "/{uuid}", update, methods=["PATCH"]),
        Route(family.path + "/{uuid}", delete, methods=["DELETE"]),
    ]
