"""Connected subscriptions (`connect_subscriptions`, `disconnect_subscriptions`).

Connecting subscriptions of one customer puts them in one group; the engine then links a stop of one and a start
of another at the same instant into one movement (a plan switch: expansion or contraction, not churn and new
business), as it does for members of one subscription set. Connecting a subscription that is already in a group
joins the groups. Disconnecting takes subscriptions out of their groups; a group left with one member is dissolved.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, delete, func, insert, select

from . import schema
from .ids import new_uuid

sc = schema.subscription_connections
sub = schema.subscriptions


def connect(conn: Connection, sub_ids: list[int]) -> None:
    keys = _groups_of(conn, sub_ids)
    members = set(sub_ids)
    if keys:
        members.update(conn.execute(select(sc.c.subscription_id).where(sc.c.group_key.in_(keys))).scalars())
    key = min(keys) if keys else new_uuid()
    conn.execute(delete(sc).where(sc.c.subscription_id.in_(members)))
    conn.execute(insert(sc), [{"subscription_id": m, "group_key": key} for m in sorted(members)])


def disconnect(conn: Connection, sub_ids: list[int]) -> None:
    keys = _groups_of(conn, sub_ids)
    conn.execute(delete(sc).where(sc.c.subscription_id.in_(sub_ids)))
    _prune(conn, keys)


def leave(conn: Connection, sub_ids: Iterable[int], keep_within: int) -> None:
    """These subscriptions now belong to customer `keep_within`: drop their connections to other customers'."""
    sub_ids = list(sub_ids)
    keys = _groups_of(conn, sub_ids)
    for key in keys:
        members = conn.execute(
            select(sc.c.subscription_id, sub.c.customer_id)
            .join(sub, sub.c.id == sc.c.subscription_id)
            .where(sc.c.group_key == key)
        ).all()
        mine = [m for m, owner in members if owner == keep_within]
        if len(mine) < len(members):
            conn.execute(delete(sc).where(sc.c.subscription_id.in_(mine)))
            if len(mine) > 1:  # moved together: still connected, in a group of their own
                own = new_uuid()
                conn.execute(insert(sc), [{"subscription_id": m, "group_key": own} for m in mine])
    _prune(conn, keys)


def _groups_of(conn: Connection, sub_ids: list[int]) -> set[str]:
    if not sub_ids:
        return set()
    return set(conn.execute(select(sc.c.group_key).where(sc.c.subscription_id.in_(sub_ids))).scalars())


def _prune(conn: Connection, keys: set[str]) -> None:
    if not keys:
        return
    alone = select(sc.c.group_key).where(sc.c.group_key.in_(keys)).group_by(sc.c.group_key).having(func.count() < 2)
    conn.execute(delete(sc).where(sc.c.group_key.in_(alone)))
