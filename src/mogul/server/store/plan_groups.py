"""Plan groups: a name and a set of plans, which may come from several data sources."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Row, Select, delete, func, insert, select, update

from ...objects import PlanGroup
from ..errors import coded
from ..pagination import Page, PageParams, fetch
from ..render import render as render_object
from ..timefmt import now_us
from ..validation import Problem, checked, rails
from . import plans, schema
from .database import Database
from .ids import new_uuid

NOT_FOUND = "Plan group not found"

g = schema.plan_groups
members = schema.plan_group_plans


def not_found() -> Exception:
    return coded(404, NOT_FOUND, "plan_group_uuid")


def _query() -> Select[Any]:
    count = select(func.count()).where(members.c.plan_group_id == g.c.id).scalar_subquery()
    return select(g.c.id, g.c.uuid, g.c.name, g.c.created_at, count.label("plans_count"))


def render(row: Row[Any]) -> dict[str, Any]:
    return render_object(PlanGroup, {"name": row.name, "uuid": row.uuid, "plans_count": row.plans_count})


class PlanGroups:
    def __init__(self, db: Database) -> None:
        self.db = db

    def list(self, _filters: Mapping[str, str | None], params: PageParams) -> tuple[Page, list[dict[str, Any]]]:
        """Newest first, as recorded (the cursors of a recorded walk go back in time)."""
        with self.db.read() as conn:
            page = fetch(conn, _query(), g.c.created_at, g.c.id, params, newest_first=True)
        return page, [render(row) for row in page.rows]

    def get(self, uuid: str) -> dict[str, Any]:
        with self.db.read() as conn:
            return render(self._row(conn, uuid))

    def plans(
        self, uuid: str, _filters: Mapping[str, str | None], params: PageParams
    ) -> tuple[Page, list[dict[str, Any]]]:
        """The group's plans, newest plan first (recorded); the cursor's key is the plan's own row id."""
        p = schema.plans
        with self.db.read() as conn:
            group = self._row(conn, uuid)
            query = (
                plans.base_query().join(members, members.c.plan_id == p.c.id).where(members.c.plan_group_id == group.id)
            )
            page = fetch(conn, query, p.c.created_at, p.c.id, params, newest_first=True)
        return page, [plans.render(row) for row in page.rows]

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        values = checked(PlanGroup, body, "create", rails)
        uuid = new_uuid("plg_")
        with self.db.begin() as conn:
            plan_ids = _plan_ids(conn, values["plans"])
            group_id = conn.execute(
                insert(g).values(uuid=uuid, name=values["name"], created_at=now_us()).returning(g.c.id)
            ).scalar_one()
            _set_members(conn, group_id, plan_ids)
            return render(self._row(conn, uuid))

    def update(self, uuid: str, body: dict[str, Any]) -> dict[str, Any]:
        """`name` renames; `plans` is the whole new membership (it replaces the old one)."""
        values = checked(PlanGroup, body, "update", rails)
        with self.db.begin() as conn:
            group = self._row(conn, uuid)
            if values.get("name") is not None:
                conn.execute(update(g).where(g.c.id == group.id).values(name=values["name"]))
            if values.get("plans") is not None:
                plan_ids = _plan_ids(conn, values["plans"])
                conn.execute(delete(members).where(members.c.plan_group_id == group.id))
                _set_members(conn, group.id, plan_ids)
            return render(self._row(conn, uuid))

    def delete(self, uuid: str) -> None:
        with self.db.begin() as conn:
            if not conn.execute(delete(g).where(g.c.uuid == uuid)).rowcount:
                raise not_found()

    @staticmethod
    def _row(conn: Connection, uuid: str) -> Row[Any]:
        row = conn.execute(_query().where(g.c.uuid == uuid)).first()
        if row is None:
            raise not_found()
        return row


def _plan_ids(conn: Connection, uuids: Sequence[str]) -> list[int]:
    """The row ids of the named plans, each once; a uuid that names no plan is a 422 (`plan_ids`, as recorded)."""
    wanted = list(dict.fromkeys(uuids))
    p = schema.plans
    found = dict(conn.execute(select(p.c.uuid, p.c.id).where(p.c.uuid.in_(wanted))).all())
    unknown = [uuid for uuid in wanted if uuid not in found]
    if unknown:
        shown = ", ".join(unknown[:5]) + (", ..." if len(unknown) > 5 else "")
        raise rails([Problem("plan_ids", "invalid", f"are not plans of this account: {shown}")])
    return [found[uuid] for uuid in wanted]


def _set_members(conn: Connection, group_id: int, plan_ids: list[int]) -> None:
    if plan_ids:
        conn.execute(insert(members), [{"plan_group_id": group_id, "plan_id": pid} for pid in plan_ids])
