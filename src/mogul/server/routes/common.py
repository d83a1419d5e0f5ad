"""Helpers shared by the routes: paging parameters and filters from the query string."""

from __future__ import annotations

from starlette.requests import Request

from ..pagination import PageParams, page_params


def paging(request: Request, *, allow_page: bool = True) -> PageParams:
    return page_params(request.query_params, allow_page=allow_page)


def filters(request: Request, *names: str) -> dict[str, str | None]:
    return {name: request.query_params.get(name) for name in names}
