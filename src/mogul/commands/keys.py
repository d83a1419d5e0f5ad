"""`mogul keys create|list|revoke`: API keys of a mogul server, managed on its database."""

from __future__ import annotations

import click

from ..server.auth import ACCESS_LEVELS
from ..server.store import Database
from ..server.store.keys import create_key, list_keys, revoke_key
from ..server.timefmt import iso_millis
from .common import print_json, print_table
from .serve import database_option


def _db(url: str) -> Database:
    db = Database(url)
    db.migrate()
    return db


@click.group()
def keys() -> None:
    """Manage the API keys a `mogul serve` database accepts."""


@keys.command()
@click.option("--name", required=True, help="A label for the key, e.g. who uses it.")
@click.option(
    "--access",
    type=click.Choice(ACCESS_LEVELS),
    default="read-only",
    show_default=True,
    help="read-only keys get 403 on every write.",
)
@database_option
def create(name: str, access: str, database: str) -> None:
    """Create a key and print it once (only its hash is stored)."""
    key, info = create_key(_db(database), name, access)
    click.echo(f"created key {info.id} ({info.name}, {info.access}); it is shown only now:", err=True)
    click.echo(key)


@keys.command("list")
@database_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_(database: str, as_json: bool) -> None:
    """List keys (never the keys themselves: a 4-character hint)."""
    infos = list_keys(_db(database))
    rows = [
        {
            "id": k.id,
            "name": k.name,
            "access": k.access,
            "hint": k.hint + "…",
            "created_at": iso_millis(k.created_at),
            "revoked_at": iso_millis(k.revoked_at),
        }
        for k in infos
    ]
    if as_json:
        print_json(rows)
    else:
        print_table(
            None, ["id", "name", "access", "hint", "created_at", "revoked_at"], [list(r.values()) for r in rows]
        )


@keys.command()
@click.argument("key_id")
@database_option
def revoke(key_id: str, database: str) -> None:
    """Revoke the key with this id (or unique name); it stops working within a second."""
    info = revoke_key(_db(database), key_id)
    click.echo(f"revoked key {info.id} ({info.name})")
