"""The declaration machinery itself: types from annotations, the client's typed reads, JSON Schema views, the
server's rendering and validation of a declared object."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, Literal

import pytest

from mogul.objects import OPTIONAL, REQUIRED, ApiObject, Format, Out, field, fields, json_schema, key_tree, undeclared
from mogul.objects.base import SchemaStyle, schema_key_tree
from mogul.server.errors import ApiError
from mogul.server.render import render
from mogul.server.validation import Problem, checked, coded_first, detailed, full_message, legacy, parse, rails


class Part(ApiObject):
    code: str = field(create=REQUIRED, max_length=3)


class Thing(ApiObject):
    tag = ("kind", "thing")
    kind: Literal["thing"] = field()
    uuid: str = field(pattern="^th_")
    name: str = field(create=REQUIRED, update=True, max_length=5, not_blank=True, messages={"missing": "Name it."})
    when: datetime | None = field("when-at", create=OPTIONAL, fmt=Format.OFFSET)
    day: date = field(create=OPTIONAL)
    count: int = field(create=OPTIONAL, update=True, minimum=0, maximum=9)
    parts: list[Part] = field(create=OPTIONAL)
    extra: dict[str, Any] = field(out=Out.OPTIONAL)
    secret: str = field(create=OPTIONAL, out=Out.NEVER)


class Other(ApiObject):
    tag = ("kind", "other")
    kind: Literal["other"] = field()
    size: int = field()


class Box(ApiObject):
    items: list[Thing | Other] = field()


def test_fields_follow_the_declaration_order_and_views():
    assert [f.name for f in fields(Thing)] == ["kind", "uuid", "name", "when-at", "day", "count", "parts", "extra"]
    assert [f.name for f in fields(Thing, "create")] == ["name", "when-at", "day", "count", "parts", "secret"]
    assert [f.name for f in fields(Thing, "update")] == ["name", "count"]


def test_the_class_reads_received_json_as_typed_values():
    thing = Thing(
        {"kind": "thing", "when-at": "2016-01-01T12:00:00+00:00", "day": "2022-05-31", "parts": [{"code": "a"}]}
    )
    assert thing.when == datetime(2016, 1, 1, 12, tzinfo=UTC)
    assert thing.day == date(2022, 5, 31)
    assert isinstance(thing.parts[0], Part) and thing.parts[0].code == "a"
    assert thing["when-at"] == "2016-01-01T12:00:00+00:00"
    assert thing.name is None  # absent reads as None
    box = Box({"items": [{"kind": "other", "size": 2}, {"kind": "thing", "uuid": "th_1"}]})
    assert [type(i) for i in box.items] == [Other, Thing]


def test_json_schema_views():
    response = json_schema(Thing)
    assert response["required"] == ["kind", "uuid", "name", "when-at", "day", "count", "parts"]
    assert response["additionalProperties"] is False
    assert response["properties"]["when-at"] == {"type": ["string", "null"], "format": "date-time"}
    assert response["properties"]["count"] == {"type": "integer", "minimum": 0, "maximum": 9}
    create = json_schema(Thing, "create")
    assert create["required"] == ["name"]
    assert create["properties"]["count"]["type"] == ["integer", "null"]  # optional in a request: null allowed
    assert "secret" in create["properties"] and "secret" not in response["properties"]
    union = json_schema(Box)["properties"]["items"]
    assert len(union["items"]["anyOf"]) == 2


class NewA(ApiObject):
    tag = ("kind", "a")
    kind: Literal["a", "b"] = field(create=REQUIRED)
    size: int = field(create=REQUIRED)


class NewB(ApiObject):
    tag = ("kind", "b")
    kind: Literal["a", "b"] = field(create=REQUIRED)
    note: str = field(create=OPTIONAL)


class Order(ApiObject):
    items: list[NewA | NewB] = field(create=REQUIRED, min_items=1)


def test_a_request_s_tagged_union_is_one_of_its_variants_by_tag():
    items = json_schema(Order, "create", SchemaStyle(request_max_items=50))["properties"]["items"]
    assert items["minItems"] == 1 and items["maxItems"] == 50  # the request cap, where the field sets none
    a, b = items["items"]["oneOf"]
    assert a["properties"]["kind"] == {"const": "a"} and a["required"] == ["kind", "size"]
    assert b["properties"]["kind"] == {"const": "b"} and b["required"] == ["kind"]
    response = json_schema(Order)["properties"]["items"]
    assert "minItems" not in response and "maxItems" not in response
    assert [v["properties"]["kind"]["enum"] for v in response["items"]["anyOf"]] == [["a", "b"]] * 2


class UntaggedOrder(ApiObject):
    items: list[Thing | Other] = field(create=REQUIRED)  # a create takes neither's `kind`


def test_a_request_union_whose_variant_takes_no_tag_is_refused():
    with pytest.raises(TypeError, match="must send its tag"):
        json_schema(UntaggedOrder, "create")


def test_key_trees_agree_between_declaration_and_schema():
    assert key_tree(Box) == schema_key_tree(json_schema(Box))
    assert key_tree(Thing)["parts"] == {"code": None}


def test_undeclared_finds_extra_missing_and_null_keys():
    good = {"kind": "thing", "uuid": "th_1", "name": "a", "when-at": None, "day": "2020-01-01", "count": 1, "parts": []}
    assert undeclared(Thing, good) == []
    bad = {**good, "surprise": 1, "name": None}
    del bad["count"]
    assert sorted(undeclared(Thing, bad)) == ["extra surprise", "missing count", "null name"]
    assert undeclared(Box, {"items": [{"kind": "other", "size": 1, "x": 2}, {"kind": "?"}]}) == [
        "extra items.x",
        "untagged items",
    ]


def test_render_writes_declared_keys_in_order_and_formats_instants():
    values = {"kind": "thing", "uuid": "th_1", "name": "a", "when": 1_451_649_600_000_000, "day": date(2022, 5, 31)}
    values |= {"count": 3, "parts": [{"code": "x"}]}
    out = render(Thing, values)
    assert list(out) == ["kind", "uuid", "name", "when-at", "day", "count", "parts"]  # `extra` is optional, absent
    assert out["when-at"] == "2016-01-01T12:00:00+00:00"
    assert out["day"] == "2022-05-31"
    assert render(Thing, {**values, "extra": {"k": 1}})["extra"] == {"k": 1}
    with pytest.raises(KeyError):
        render(Thing, {"kind": "thing"})
    box = render(Box, {"items": [{"kind": "other", "size": 4}]})
    assert box == {"items": [{"kind": "other", "size": 4}]}


def test_parse_collects_value_problems_with_the_declared_wording():
    values, problems = parse(Thing, {"name": "  ", "count": 12, "when-at": "yesterday", "parts": [{}]}, "create")
    kinds = {(p.param, p.kind) for p in problems}
    assert kinds == {("name", "missing"), ("count", "above"), ("when-at", "date"), ("parts.code", "missing")}
    assert next(p.message for p in problems if p.param == "name") == "Name it."
    values, problems = parse(Thing, {"name": "ok", "when-at": "2016-01-01 12:00:00 UTC", "ignored": 1}, "create")
    assert problems == [] and values == {"name": "ok", "when": 1_451_649_600_000_000}


def test_parse_refuses_wrong_types_with_a_400():
    with pytest.raises(ApiError) as raised:
        parse(Thing, {"name": 5}, "create")
    assert raised.value.status == 400
    assert raised.value.body == {"code": 400, "message": "name must be a string", "param": "name"}
    with pytest.raises(ApiError) as raised:
        parse(Thing, {"name": "a", "parts": {"code": "x"}}, "create")
    assert raised.value.body["param"] == "parts"


def test_update_view_requires_nothing_and_keeps_explicit_nulls():
    values, problems = parse(Thing, {"count": None}, "update")
    assert problems == [] and values == {"count": None}


def test_checked_answers_in_the_resource_s_error_generation():
    with pytest.raises(ApiError) as raised:
        checked(Thing, {}, "create", legacy)
    assert (raised.value.status, raised.value.body) == (422, {"errors": {"name": "Name it."}})
    with pytest.raises(ApiError) as raised:
        checked(Thing, {"name": "toolong"}, "create", coded_first)
    assert raised.value.body == {"code": 422, "message": "is too long (maximum is 5 characters)", "param": "name"}


class Owned(ApiObject):
    owner: str | None = field(create=REQUIRED, doc="null in some responses")
    when: date = field(create=OPTIONAL)


def test_a_required_request_field_is_not_nullable_whatever_the_response_sends():
    create = json_schema(Owned, "create")
    assert create["properties"]["owner"]["type"] == "string"
    assert json_schema(Owned)["properties"]["owner"]["type"] == ["string", "null"]
    with pytest.raises(ApiError) as err:
        checked(Owned, {"owner": None}, "create", coded_first)
    assert err.value.body["param"] == "owner"


@pytest.mark.parametrize("day", ["20240301", "2024-W09-5", " 2024-03-01", "2024-03-01T00:00:00Z", "2024-02-30"])
def test_a_day_is_written_yyyy_mm_dd(day: str):
    _, problems = parse(Owned, {"owner": "x", "when": day}, "create")
    assert [p.param for p in problems] == ["when"]
    assert parse(Owned, {"owner": "x", "when": "2024-03-01"}, "create")[0]["when"] == date(2024, 3, 1)


class Group(ApiObject):
    name: str = field(create=REQUIRED, not_blank=True, messages={"missing": "can't be blank"})
    members: list[str] = field(create=REQUIRED, not_blank=True, param="member_ids")


def test_the_newest_error_generations_name_fields_as_the_api_does():
    with pytest.raises(ApiError) as raised:
        checked(Group, {"name": " ", "members": []}, "create", rails)  # an empty list is blank too
    assert raised.value.body == {
        "name": ["Name can't be blank"],
        "member_ids": ["Member ids can't be blank"],
        "error_details": [
            {"param": "name", "code": "blank", "message": "Name can't be blank"},
            {"param": "member_ids", "code": "blank", "message": "Member ids can't be blank"},
        ],
    }
    with pytest.raises(ApiError) as raised:
        checked(Thing, {"name": "ok", "count": 12}, "create", detailed)
    assert (raised.value.status, raised.value.body) == (
        422,
        {
            "error": "Count must be at most 9",
            "error_details": [
                {"param": "count", "code": "less_than_or_equal_to", "message": "Count must be at most 9"}
            ],
        },
    )
    # A message that names the field itself is kept whole.
    assert full_message(Problem("name", "missing", "Name it.")) == "Name it."
    assert parse(Group, {"name": "a", "members": ["x"]}, "create") == ({"name": "a", "members": ["x"]}, [])
