"""Calls every tool of ChartMogul's own MCP server (chartmogul-mcp-server 0.3.1), unchanged, against mogul.

Runs with .venv-mcp's Python 3.13 (tests/mcp_server/mcp_env.sh), not mogul's: test_mcp_server.py starts it with the
server's address in MOGUL_BASE_URL, a read-write key in CHARTMOGUL_TOKEN and the ids of the data it seeded in
MOGUL_MCP_SEEDS. It is an MCP client: it starts the MCP server (this file with `serve`) as a child process and
calls each tool over stdio with `tools/call`, as an assistant would. The tools build `chartmogul.Config(token)`
with ChartMogul's own address, a class attribute of the official client: `serve` points it at mogul before the
server is built. The tools swallow exceptions (they log them to stderr and return nothing), so the client reads
the server's stderr after each call. Prints one JSON line: every tool's outcome (null when it worked).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from collections.abc import Callable
from typing import Any, TextIO


def serve() -> None:
    """The MCP server, unchanged but for the API address and retries."""
    import chartmogul

    chartmogul.Config.uri = os.environ["MOGUL_BASE_URL"] + "/v1"
    from chartmogul_mcp.mcp_server import ChartMogulMcp

    server = ChartMogulMcp()
    server.config.max_retries = 0  # a refusal is an answer here, not something to wait out (20 tries by default)
    server.run()


Check = Callable[[list[Any]], str | None]


def one(key: str) -> Check:
    """One object carrying `key`."""

    def check(got: list[Any]) -> str | None:
        if len(got) != 1 or not isinstance(got[0], dict) or key not in got[0]:
            return f"expected one object with {key!r}, got {str(got)[:300]}"
        return None

    return check


def some(key: str) -> Check:
    """A non-empty list of objects, each carrying `key` (the seeded data matches every list call below)."""

    def check(got: list[Any]) -> str | None:
        if not got or not all(isinstance(x, dict) and key in x for x in got):
            return f"expected objects with {key!r}, got {str(got)[:300]}"
        return None

    return check


def listed(got: list[Any]) -> str | None:
    """A list, empty allowed: list_customer_notes passes its `limit` (20) on as `author_email`, so the API is asked
    for notes by an author "20" and rightly finds none; ChartMogul's server gets the same query."""
    return None if all(isinstance(x, dict) for x in got) else f"expected a list of objects, got {str(got)[:300]}"


def nothing(got: list[Any]) -> str | None:
    """No body: the update answers 202, as ChartMogul's does, and the official client reads no body from a 202.
    test_mcp_server.py checks the change itself."""
    return None if got == [] else f"expected no body, got {str(got)[:300]}"


def imported(external_id: str) -> Check:
    """The tool hands on the official client's `Invoices` tuple as it is (its parse_object turns objects into dicts,
    not tuples), and FastMCP writes each Invoice in it as its repr: so one text per imported invoice."""

    def check(got: list[Any]) -> str | None:
        if len(got) != 1 or not str(got[0]).startswith("<Invoice{") or f"external_id='{external_id}'" not in got[0]:
            return f"expected the invoice {external_id}, got {str(got)[:300]}"
        return None

    return check


def calls(s: dict[str, Any]) -> list[tuple[str, dict[str, Any], Check]]:
    """(tool, arguments, check) for all 54 tools, in an order where each call finds what it needs."""
    ds, cus, plan = s["data_source"], s["customer"], s["plan"]
    dates = {"start_date": "2024-01-01", "end_date": "2024-06-30", "interval": "month"}
    invoice = {
        "external_id": "inv_mcp_3",
        "date": "2024-02-01T00:00:00Z",
        "currency": "USD",
        "line_items": [
            {
                "type": "subscription",
                "subscription_external_id": "sub_mcp_2",
                "plan_uuid": plan,
                "service_period_start": "2024-02-01T00:00:00Z",
                "service_period_end": "2024-03-01T00:00:00Z",
                "amount_in_cents": 3000,
                "quantity": 1,
            }
        ],
        "transactions": [{"type": "payment", "date": "2024-02-01T00:00:00Z", "result": "successful"}],
    }
    event = {
        "data_source_uuid": ds,
        "customer_external_id": s["customer_external_id"],
        "subscription_external_id": "sub_mcp_events_2",
        "event_type": "subscription_start",
        "event_date": "2024-03-01",
        "effective_date": "2024-03-01",
        "external_id": "evt_mcp_2",
        "plan_external_id": s["plan_external_id"],
        "currency": "USD",
        "amount_in_cents": 2000,
        "quantity": 1,
    }
    return [
        ("retrieve_account", {}, one("name")),
        ("list_sources", {}, some("uuid")),
        ("retrieve_source", {"uuid": ds}, one("uuid")),
        ("list_customers", {"data_source_uuid": ds}, some("uuid")),
        ("search_customers", {"email": s["email"]}, some("uuid")),
        ("retrieve_customer", {"uuid": cus}, one("uuid")),
        (
            "create_customer",
            {"data": {"data_source_uuid": ds, "external_id": "cus_mcp_2", "name": "Grace", "email": "g@example.com"}},
            one("uuid"),
        ),
        ("update_customer", {"uuid": cus, "data": {"city": "Berlin"}}, one("uuid")),
        ("list_customer_subscriptions", {"uuid": cus}, some("uuid")),
        ("list_customer_activities", {"uuid": cus}, some("type")),
        ("list_customer_attributes", {"uuid": cus}, one("tags")),
        ("add_customer_tags", {"uuid": cus, "tags": ["vip", "mcp"]}, one("tags")),
        (
            "add_customer_custom_attributes",
            {"uuid": cus, "custom_attributes": [{"type": "String", "key": "channel", "value": "MCP"}]},
            one("custom"),
        ),
        ("list_contacts", {}, some("uuid")),
        ("retrieve_contact", {"uuid": s["contact"]}, one("uuid")),
        ("update_contact", {"uuid": s["contact"], "data": {"title": "CTO"}}, one("uuid")),
        (
            "create_contact",
            {"data": {"customer_uuid": cus, "data_source_uuid": ds, "first_name": "Alan", "email": "t@example.com"}},
            one("uuid"),
        ),
        ("list_customer_notes", {"customer_uuid": cus}, listed),
        ("retrieve_customer_note", {"uuid": s["note"]}, one("uuid")),
        ("update_customer_note", {"uuid": s["note"], "data": {"text": "Called back"}}, one("uuid")),
        ("create_customer_note", {"data": {"customer_uuid": cus, "type": "note", "text": "From MCP"}}, one("uuid")),
        ("list_opportunities", {"customer_uuid": cus}, some("uuid")),
        ("retrieve_opportunity", {"uuid": s["opportunity"]}, one("uuid")),
        ("update_opportunity", {"uuid": s["opportunity"], "data": {"win_likelihood": 60}}, one("uuid")),
        (
            "create_opportunity",
            {
                "data": {
                    "customer_uuid": cus,
                    "owner": "sam@example.com",
                    "pipeline": "New Business",
                    "pipeline_stage": "Discovery",
                    "estimated_close_date": "2024-09-30",
                    "currency": "USD",
                    "amount_in_cents": 50000,
                }
            },
            one("uuid"),
        ),
        ("list_plans", {"data_source_uuid": ds}, some("uuid")),
        ("retrieve_plan", {"uuid": plan}, one("uuid")),
        ("update_plan", {"uuid": plan, "data": {"name": "Gold (renamed)"}}, nothing),
        (
            "create_plan",
            {
                "data": {
                    "data_source_uuid": ds,
                    "name": "Silver",
                    "interval_count": 1,
                    "interval_unit": "month",
                    "external_id": "silver",
                }
            },
            one("uuid"),
        ),
        ("list_plan_groups", {}, some("uuid")),
        ("list_plan_group_plans", {"uuid": s["plan_group"]}, some("uuid")),
        ("retrieve_plan_group", {"uuid": s["plan_group"]}, one("uuid")),
        ("update_plan_group", {"uuid": s["plan_group"], "data": {"name": "Renamed group"}}, one("uuid")),
        ("create_plan_group", {"data": {"name": "From MCP", "plans": [plan]}}, one("uuid")),
        ("list_tasks", {"customer_uuid": cus}, some("task_uuid")),
        ("retrieve_task", {"uuid": s["task"]}, one("task_uuid")),
        ("update_task", {"uuid": s["task"], "data": {"task_details": "Call again"}}, one("task_uuid")),
        (
            "create_task",
            {
                "data": {
                    "customer_uuid": cus,
                    "task_details": "Send the contract",
                    "assignee": "sam@example.com",
                    "due_date": "2024-10-01",
                }
            },
            one("task_uuid"),
        ),
        ("all_metrics", dates, some("mrr")),
        ("mrr_metrics", dates, some("mrr")),
        ("arr_metrics", dates, some("arr")),
        ("arpa_metrics", dates, some("arpa")),
        ("asp_metrics", dates, some("asp")),
        ("customer_count_metrics", dates, some("customers")),
        ("customer_churn_rate_metrics", dates, some("customer_churn_rate")),
        ("mrr_churn_rate_metrics", dates, some("mrr_churn_rate")),
        ("ltv_metrics", dates, some("ltv")),
        ("list_subscription_events", {"data_source_uuid": ds}, some("id")),
        ("create_subscription_event", {"data": event}, one("id")),
        ("update_subscription_event", {"data": {"id": s["subscription_event"], "quantity": 2}}, one("id")),
        ("list_invoices", {"customer_uuid": cus}, some("uuid")),
        ("import_invoices", {"uuid": cus, "data": {"invoices": [invoice]}}, imported("inv_mcp_3")),
        ("retrieve_invoice", {"uuid": s["invoice"], "validation_type": "all"}, one("uuid")),
        ("list_activities", {"start_date": "2024-01-01T00:00:00Z", "end_date": "2024-12-31T00:00:00Z"}, some("type")),
    ]


def logged_error(log: TextIO, start: int) -> str | None:
    """The first error the server logged since `start` (the tools log `... - ERROR - Error <what>: <why>`)."""
    log.flush()
    log.seek(start)
    for line in log.read().splitlines():
        if " - ERROR - " in line:
            return line.split(" - ERROR - ", 1)[1][:400]
    return None


async def main() -> dict[str, str | None]:
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    server = StdioServerParameters(command=sys.executable, args=[__file__, "serve"], env=dict(os.environ))
    planned = calls(json.loads(os.environ["MOGUL_MCP_SEEDS"]))
    with tempfile.TemporaryFile("w+") as log:
        async with stdio_client(server, errlog=log) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            outcome: dict[str, str | None] = {t.name: "not called" for t in (await session.list_tools()).tools}
            for name, arguments, check in planned:
                start = log.seek(0, os.SEEK_END)
                result = await session.call_tool(name, arguments)
                texts = [getattr(c, "text", None) for c in result.content]
                if result.isError:  # bad arguments, or a tool that raised past its own handler
                    outcome[name] = f"tool error: {str(texts)[:400]}"
                    continue
                await asyncio.sleep(0.05)  # stderr is a pipe to the file: let the server's last lines land
                error = logged_error(log, start)
                outcome[name] = error or check([json.loads(t) if t is not None else None for t in texts])
    return outcome


if __name__ == "__main__":
    if sys.argv[1:] == ["serve"]:
        serve()
    else:
        print(json.dumps({"tools": asyncio.run(main())}))
