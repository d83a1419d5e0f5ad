"""How an API object is declared: once, as a class whose annotated attributes are its JSON fields.

```python
class Plan(ApiObject):
    uuid: str = field(pattern="^pl_")
    name: str = field(create=REQUIRED, update=True, max_length=255)
    interval_unit: Literal["day", "month", "year"] = field(create=OPTIONAL, update=True)
    created_at: datetime = field(fmt=Format.TIMESTAMP)
```

The annotation is the field's type (`X | None` when the API sends null); `field()` adds what a type cannot say:
the JSON key where it differs from the attribute (`"customer-since"`), the wire format of a date, whether a create
or an update accepts it, whether every response carries it, and its bounds. Everything else derives from this:

- the client reads a response through the class itself (`Plan(json).created_at` is a `datetime`, `plan["name"]`
  the JSON as received);
- `fields(cls)` lists the declaration for the server's validation and rendering;
- `json_schema(cls, view)` gives the JSON Schema of a response, a create body or an update body, with a hook for
  each consumer's own leaf schemas (the server's OpenAPI document, the Airbyte streams');
- `key_tree(cls)` names the keys at every level, for the test that holds every derived form to the declaration.

This module imports nothing from mogul: the server, the client and the source all import it.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from datetime import date, datetime
from enum import Enum, StrEnum
from typing import Any, ClassVar, Literal, Union, get_args, get_origin

JsonSchema = dict[str, Any]


class Format(StrEnum):
    """How a date or an instant is written on the wire."""

    TIMESTAMP = "timestamp"
    """`2023-01-10T15:34:05.437Z`: object timestamps (data sources, invoices, notes...)."""
    OFFSET = "offset"
    """`2016-01-01T12:00:00+00:00`: `customer-since`, activity dates."""
    SECONDS = "seconds"
    """`2022-02-16T00:00:00Z`: subscription events."""
    DATE = "date"
    """`2022-05-31`: metric entries, estimated close dates."""
    EMAIL = "email"
    URL = "url"
    CURRENCY = "currency"
    """An ISO 4217 code; a request may send it in any case."""


class In(Enum):
    """Whether a create body accepts a field."""

    NO = "no"
    OPTIONAL = "optional"
    REQUIRED = "required"


class Out(Enum):
    """Whether a response carries a field."""

    ALWAYS = "always"
    OPTIONAL = "optional"
    """Only in some responses: when set, or when a parameter asks for it (`with_processing_status`)."""
    NEVER = "never"
    """Request only (a customer's `primary_contact` creates a contact; it is not part of the customer)."""


NO, OPTIONAL, REQUIRED = In.NO, In.OPTIONAL, In.REQUIRED


@dataclass(frozen=True)
class TypeInfo:
    """A field's JSON type, resolved from its annotation."""

    kind: Literal[
        "string", "integer", "number", "boolean", "datetime", "date", "object", "union", "anyof", "array", "map", "any"
    ]
    nullable: bool = False
    enum: tuple[Any, ...] | None = None
    """`Literal[...]` values."""
    obj: type[ApiObject] | None = None
    variants: tuple[type[ApiObject], ...] = ()
    """A tagged union of objects (`SubscriptionLineItem | OneTimeLineItem`), told apart by their `tag`."""
    items: TypeInfo | None = None
    """An array's items, or a map's values."""
    options: tuple[TypeInfo, ...] = ()
    """Any of several types (`anyof`): only request forms declare these (`list[CustomAttribute] | dict[str, Any]`)."""


@dataclass(frozen=True)
class Field:
    """One JSON field of an object: a descriptor that reads the typed value from a received JSON object, and the
    declaration every other form of the object is derived from."""

    key: str | None = None
    fmt: Format | None = None
    create: In = In.NO
    update: bool = False
    out: Out = Out.ALWAYS
    min_length: int | None = None
    max_length: int | None = None
    minimum: int | float | None = None
    maximum: int | float | None = None
    pattern: str | None = None
    max_items: int | None = None
    min_items: int | None = None
    """The fewest items a request's array may hold (an import's `line_items`: 1)."""
    not_blank: bool = False
    """A request's blank string (or empty list) counts as missing."""
    empty_is_null: bool = False
    """A request's `""` counts as null: missing where the create requires the field, none where it is optional
    (an imported invoice's dates and currencies)."""
    looked_up: bool = False
    """A request names a stored object by it: the store looks it up and answers an unknown or malformed one
    itself, so a request is not held to `pattern` (which says what a response carries)."""
    param: str | None = None
    """The name the API's refusals give the field, where its model calls it otherwise (a plan group's `plans`
    are `plan_ids` in its errors)."""
    request: Any = None
    """The type a request sends where it differs from the response's (a customer's custom attributes are sent as
    a list of typed values and answered as an object)."""
    messages: Mapping[str, str] = dataclass_field(default_factory=dict, hash=False)
    """The API's own wording for a refused value, by problem: `missing`, `too_long`, `invalid`..."""
    doc: str = ""
    attr: str = dataclass_field(default="", compare=False)
    owner: type[ApiObject] | None = dataclass_field(default=None, compare=False, repr=False)

    # --- the descriptor (the client's typed attribute)

    def __set_name__(self, owner: type[ApiObject], attr: str) -> None:
        # Frozen: the declaration cannot change after the class is built, but its name comes from the class.
        object.__setattr__(self, "attr", attr)
        object.__setattr__(self, "owner", owner)
        if self.key is None:
            object.__setattr__(self, "key", attr)

    def __get__(self, obj: ApiObject | None, owner: type) -> Any:
        if obj is None:
            return self
        value = obj._data.get(self.name)
        return None if value is None else read_value(self.type, value)

    # --- the declaration

    @property
    def name(self) -> str:
        """The JSON key."""
        assert self.key is not None
        return self.key

    @property
    def type(self) -> TypeInfo:
        return _field_type(self)

    @property
    def request_type(self) -> TypeInfo:
        if self.request is None:
            return self.type
        assert self.owner is not None
        return resolve(self.request, self.owner)

    def accepted(self, view: View) -> bool:
        if view == "response":
            return self.out is not Out.NEVER
        if view == "create":
            return self.create is not In.NO
        return self.update

    def required(self, view: View) -> bool:
        if view == "response":
            return self.out is Out.ALWAYS
        return view == "create" and self.create is In.REQUIRED


View = Literal["response", "create", "update"]


def field(
    key: str | None = None,
    *,
    fmt: Format | None = None,
    create: In = In.NO,
    update: bool = False,
    out: Out = Out.ALWAYS,
    min_length: int | None = None,
    max_length: int | None = None,
    minimum: float | None = None,
    maximum: float | None = None,
    pattern: str | None = None,
    max_items: int | None = None,
    min_items: int | None = None,
    not_blank: bool = False,
    empty_is_null: bool = False,
    looked_up: bool = False,
    param: str | None = None,
    request: Any = None,
    messages: Mapping[str, str] | None = None,
    doc: str = "",
) -> Any:
    """Declare a field (see the module's docstring). Typed `Any` so that `name: str = field()` type-checks: the
    annotation, not this call, is the attribute's type."""
    return Field(
        key,
        fmt=fmt,
        create=create,
        update=update,
        out=out,
        min_length=min_length,
        max_length=max_length,
        minimum=minimum,
        maximum=maximum,
        pattern=pattern,
        max_items=max_items,
        min_items=min_items,
        not_blank=not_blank,
        empty_is_null=empty_is_null,
        looked_up=looked_up,
        param=param,
        request=request,
        messages=dict(messages or {}),
        doc=doc,
    )


class ApiObject(Mapping[str, Any]):
    """A JSON object of the API. Subclasses declare its fields; an instance wraps one received object: typed
    attributes read its fields, `obj["customer-since"]` any key as received, `to_dict()` the whole of it."""

    __slots__ = ("_data",)
    tag: ClassVar[tuple[str, str] | None] = None
    """`(key, value)` that marks this class within a tagged union (`("type", "one_time")`)."""
    __fields__: ClassVar[tuple[Field, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        inherited = {f.attr: f for base in reversed(cls.__mro__[1:]) for f in getattr(base, "__fields__", ())}
        own = {name: value for name, value in vars(cls).items() if isinstance(value, Field)}
        cls.__fields__ = tuple({**inherited, **own}.values())

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = dict(data)

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ApiObject):
            return type(self) is type(other) and self._data == other._data
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # a mutable mapping's view: not hashable, as dict is not

    def to_dict(self) -> dict[str, Any]:
        return dict(self._data)

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in list(self._data.items())[:6])
        return f"{type(self).__name__}({shown}{', ...' if len(self._data) > 6 else ''})"


def fields(cls: type[ApiObject], view: View = "response") -> tuple[Field, ...]:
    """The fields of `cls` a response carries (or a create/update body accepts), in declaration order."""
    return tuple(f for f in cls.__fields__ if f.accepted(view))


def field_of(cls: type[ApiObject], attr: str) -> Field:
    """The declaration of one field, by attribute name (`cls.attr` reads as the field's type to a type checker)."""
    for f in cls.__fields__:
        if f.attr == attr:
            return f
    raise AttributeError(f"{cls.__name__} declares no field {attr!r}")


# --- types


_TYPES: dict[tuple[type, str], TypeInfo] = {}


def _field_type(f: Field) -> TypeInfo:
    """Annotations are resolved on first use: a field may name a class declared further down its module."""
    assert f.owner is not None
    found = _TYPES.get((f.owner, f.attr))
    if found is None:
        found = _TYPES[f.owner, f.attr] = resolve(f.owner.__annotations__[f.attr], f.owner)
    return found


def resolve(annotation: Any, owner: type) -> TypeInfo:
    """The `TypeInfo` of an annotation: str, int, float, bool, datetime, date, `Literal[...]`, `list[X]`,
    `dict[str, X]`, `Any`, an `ApiObject` subclass or a union of them, each optionally `| None`."""
    if isinstance(annotation, str):
        annotation = eval(annotation, vars(sys.modules[owner.__module__]))  # a declared annotation
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        nullable = len(args) < len(get_args(annotation))
        if len(args) == 1:
            return replace(resolve(args[0], owner), nullable=nullable)
        if all(isinstance(a, type) and issubclass(a, ApiObject) and a.tag for a in args):
            return TypeInfo("union", nullable, variants=tuple(args))
        return TypeInfo("anyof", nullable, options=tuple(resolve(a, owner) for a in args))
    if origin is Literal:
        values = get_args(annotation)
        kinds = {type(v) for v in values}
        kind = "string" if kinds == {str} else "integer" if kinds == {int} else "boolean"
        return TypeInfo(kind, enum=values)
    if origin is list:
        (item,) = get_args(annotation)
        return TypeInfo("array", items=resolve(item, owner))
    if origin is dict:
        _, value = get_args(annotation)
        return TypeInfo("map", items=resolve(value, owner))
    simple = {str: "string", int: "integer", float: "number", bool: "boolean", datetime: "datetime", date: "date"}
    if annotation in simple:
        return TypeInfo(simple[annotation])  # type: ignore[arg-type]  # the dict's values are the kinds
    if annotation is Any:
        return TypeInfo("any")
    if isinstance(annotation, type) and issubclass(annotation, ApiObject):
        return TypeInfo("object", obj=annotation)
    raise TypeError(f"{owner.__name__}: cannot declare a field of type {annotation!r}")


def variant(info: TypeInfo, value: Mapping[str, Any]) -> type[ApiObject] | None:
    """The class of a tagged union that `value` belongs to, by its tag."""
    for cls in info.variants:
        assert cls.tag is not None, f"{cls.__name__} is in a union without a tag"
        key, tag = cls.tag
        if value.get(key) == tag:
            return cls
    return None


def read_value(info: TypeInfo, value: Any) -> Any:
    """A received JSON value as its declared Python type (`None` stays `None`)."""
    if value is None:
        return None
    if info.kind == "datetime" and isinstance(value, str):
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    if info.kind == "date" and isinstance(value, str):
        return date.fromisoformat(value[:10])
    if info.kind == "object" and isinstance(value, Mapping):
        assert info.obj is not None
        return info.obj(value)
    if info.kind == "union" and isinstance(value, Mapping):
        cls = variant(info, value)
        return value if cls is None else cls(value)
    if info.kind == "array" and isinstance(value, list):
        assert info.items is not None
        return [read_value(info.items, v) for v in value]
    return value


# --- JSON Schema


Leaf = Callable[[Field, TypeInfo, "View"], JsonSchema]


@dataclass(frozen=True)
class SchemaStyle:
    """How `json_schema` writes the parts that differ between consumers."""

    closed: bool = True
    """`additionalProperties: false` (the server's document) or open objects (the streams', which must not
    fail on a field the real API adds)."""
    leaf: Leaf | None = None
    """A field's own schema in place of the default one (called for every field that is not an object)."""
    nullable: Callable[[JsonSchema], JsonSchema] | None = None
    """How `| None` is written; default: `"null"` added to `type`, or `anyOf` with null where there is no type."""
    lenient: bool = False
    """Every field may be null or missing (a reader's schema: the Airbyte streams must not refuse a record the
    real API sends without a field mogul's declaration calls required)."""
    request_max_items: int | None = None
    """The most items any array of a request may hold (the server's request limits), unless the field says less."""


def json_schema(cls: type[ApiObject], view: View = "response", style: SchemaStyle = SchemaStyle()) -> JsonSchema:
    """The JSON Schema of the object as a response carries it, or as a create or update body sends it."""
    properties: dict[str, JsonSchema] = {}
    required: list[str] = []
    for f in fields(cls, view):
        info = f.type if view == "response" else f.request_type
        if style.lenient or (view != "response" and not f.required(view)):
            info = replace(info, nullable=True)  # a request may send null for a field it could leave out
        elif view != "response":
            info = replace(info, nullable=False)  # a required field is missing when null, however a response has it
        properties[f.name] = _schema(f, info, view, style)
        if f.required(view) and not style.lenient:
            required.append(f.name)
    out: JsonSchema = {"type": "object", "properties": properties, "required": required}
    if style.closed:
        out["additionalProperties"] = False
    return out


def _schema(f: Field, info: TypeInfo, view: View, style: SchemaStyle) -> JsonSchema:
    if info.kind == "object":
        assert info.obj is not None
        schema = json_schema(info.obj, view, style)
    elif info.kind == "union" and view == "response":
        schema = {"anyOf": [json_schema(cls, view, style) for cls in info.variants]}
    elif info.kind == "union":
        schema = {"oneOf": [_tagged(json_schema(cls, view, style), cls) for cls in info.variants]}
    elif info.kind == "anyof":
        schema = {"anyOf": [_schema(f, option, view, style) for option in info.options]}
    elif info.kind == "array" and info.items is not None and info.items.kind in ("object", "union"):
        schema = {"type": "array", "items": _schema(f, info.items, view, style)}
        most = f.max_items if f.max_items is not None or view == "response" else style.request_max_items
        if most is not None:
            schema["maxItems"] = most
        if f.min_items is not None and view != "response":
            schema["minItems"] = f.min_items
    else:
        schema = (style.leaf or default_leaf)(f, replace(info, nullable=False), view)
    if info.nullable:
        schema = (style.nullable or or_null)(schema)
    return schema


def _tagged(schema: JsonSchema, cls: type[ApiObject]) -> JsonSchema:
    """A request's variant of a tagged union, its tag fixed to the variant's own value (`"type": "one_time"`)."""
    assert cls.tag is not None, f"{cls.__name__} is in a union without a tag"
    key, value = cls.tag
    if key not in schema["properties"]:
        raise TypeError(f"{cls.__name__}: a request must send its tag {key!r}")
    return {**schema, "properties": {**schema["properties"], key: {"const": value}}}


_FORMATS = {"datetime": "date-time", "date": "date"}


def default_leaf(f: Field, info: TypeInfo, view: View) -> JsonSchema:
    """Standard JSON Schema for a field that holds no object: its type, format, enum and bounds."""
    kinds = {"datetime": "string", "date": "string", "map": "object", "any": None}
    kind = kinds.get(info.kind, info.kind)
    schema: JsonSchema = {} if kind is None else {"type": kind}
    if info.kind in _FORMATS:
        schema["format"] = _FORMATS[info.kind]
    elif f.fmt in (Format.EMAIL, Format.URL):
        schema["format"] = "email" if f.fmt is Format.EMAIL else "uri"
    if info.enum is not None:
        schema["enum"] = list(info.enum)
    if info.kind == "array" and info.items is not None:
        schema["items"] = default_leaf(f, info.items, view)
    bounds = {
        "minLength": f.min_length,
        "maxLength": f.max_length,
        "minimum": f.minimum,
        "maximum": f.maximum,
        "pattern": f.pattern,
        "maxItems": f.max_items,
    }
    applies = {
        "string": ("minLength", "maxLength", "pattern"),
        "integer": ("minimum", "maximum"),
        "number": ("minimum", "maximum"),
        "array": ("maxItems",),
    }.get(info.kind, ())
    schema.update({k: v for k, v in bounds.items() if v is not None and k in applies})
    return schema


def or_null(schema: JsonSchema) -> JsonSchema:
    kind = schema.get("type")
    if isinstance(kind, str) and "enum" not in schema and "const" not in schema:
        return {**schema, "type": [kind, "null"]}
    return {"anyOf": [schema, {"type": "null"}]}


# --- keys


KeyTree = dict[str, "KeyTree | None"]


def key_tree(cls: type[ApiObject], view: View = "response") -> KeyTree:
    """The keys of the object at every level: `{"address": {"city": None, ...}, "name": None}`. An array of
    objects or a union counts as its objects' keys (a union's variants merged)."""
    tree: KeyTree = {}
    for f in fields(cls, view):
        info = f.type if view == "response" else f.request_type
        tree[f.name] = _subtree(info, view)
    return tree


def _subtree(info: TypeInfo, view: View) -> KeyTree | None:
    if info.kind == "object":
        assert info.obj is not None
        return key_tree(info.obj, view)
    if info.kind == "union":
        merged: KeyTree = {}
        for cls in info.variants:
            merged.update(key_tree(cls, view))
        return merged
    if info.kind == "array" and info.items is not None:
        return _subtree(info.items, view)
    if info.kind == "anyof":
        merged = {}
        for option in info.options:
            merged.update(_subtree(option, view) or {})
        return merged or None
    return None


def schema_key_tree(schema: JsonSchema) -> KeyTree | None:
    """The `key_tree` a JSON Schema describes (`properties`, through `items`, `anyOf` and `$ref`s already
    resolved); `None` for a schema with no properties of its own (a scalar, or a free-form object)."""
    if "properties" in schema:
        return {key: schema_key_tree(sub) for key, sub in schema["properties"].items()}
    if "items" in schema and isinstance(schema["items"], Mapping):
        return schema_key_tree(schema["items"])
    merged: KeyTree = {}
    for sub in schema.get("anyOf", schema.get("oneOf", [])):
        found = schema_key_tree(sub)
        if found:
            merged.update(found)
    return merged or None


def undeclared(cls: type[ApiObject], value: Mapping[str, Any], path: str = "") -> list[str]:
    """What a JSON object has that its declaration does not allow, or lacks that it requires: `["extra
    line_items.foo", "missing name"]`. Free-form maps are not looked into; a union item is checked against the
    variant its tag names."""
    problems: list[str] = []
    declared = {f.name: f for f in fields(cls)}
    for key in value:
        if key not in declared:
            problems.append(f"extra {path}{key}")
    for name, f in declared.items():
        if name not in value:
            if f.out is Out.ALWAYS:
                problems.append(f"missing {path}{name}")
            continue
        problems.extend(_undeclared_value(f.type, value[name], f"{path}{name}."))
    return problems


def _undeclared_value(info: TypeInfo, value: Any, path: str) -> list[str]:
    if value is None:
        return [] if info.nullable else [f"null {path[:-1]}"]
    if info.kind == "object" and isinstance(value, Mapping):
        assert info.obj is not None
        return undeclared(info.obj, value, path)
    if info.kind == "union" and isinstance(value, Mapping):
        cls = variant(info, value)
        return [f"untagged {path[:-1]}"] if cls is None else undeclared(cls, value, path)
    if info.kind == "array" and isinstance(value, list) and info.items is not None:
        return [problem for item in value for problem in _undeclared_value(info.items, item, path)]
    return []
