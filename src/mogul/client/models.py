"""Typed views over API JSON. Attributes are typed and snake_case; `obj["customer-since"]` reaches any JSON
field by its own name, and `obj.to_dict()` returns the JSON as received."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any, Generic, TypeVar, overload

T = TypeVar("T")


class Field(Generic[T]):
    """A typed attribute read from the JSON key `name` (default: the attribute's own name)."""

    def __init__(self, name: str | None = None, parse: Callable[[Any], T] | None = None) -> None:
        self.key = name
        self.parse = parse

    def __set_name__(self, owner: type, attr: str) -> None:
        if self.key is None:
            self.key = attr

    @overload
    def __get__(self, obj: None, owner: type) -> Field[T]: ...
    @overload
    def __get__(self, obj: ApiObject, owner: type) -> T: ...
    def __get__(self, obj: ApiObject | None, owner: type) -> Field[T] | T:
        if obj is None:
            return self
        value = obj._data.get(self.key)  # type: ignore[arg-type]
        if value is None or self.parse is None:
            return value  # type: ignore[return-value]
        return self.parse(value)


class ApiObject(Mapping[str, Any]):
    __slots__ = ("_data",)

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

    __hash__ = None  # type: ignore[assignment]

    def to_dict(self) -> dict[str, Any]:
        return dict(self._data)

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in list(self._data.items())[:6])
        return f"{type(self).__name__}({fields}{', ...' if len(self._data) > 6 else ''})"


def parse_datetime(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class ProcessingStatus(ApiObject):
    processed = Field[int]()
    pending = Field[int]()
    failed = Field[int]()


class AutoChurnSetting(ApiObject):
    enabled = Field[bool]()
    interval = Field[int | None]()


class DataSource(ApiObject):
    uuid = Field[str]()
    name = Field[str]()
    system = Field[str]()
    status = Field[str]()
    created_at = Field[datetime](parse=parse_datetime)
    processing_status = Field[ProcessingStatus](parse=ProcessingStatus)
    auto_churn_subscription_setting = Field[AutoChurnSetting](parse=AutoChurnSetting)
    invoice_handling_setting = Field[dict[str, Any]]()


class Account(ApiObject):
    id = Field[str]()
    name = Field[str]()
    currency = Field[str]()
    time_zone = Field[str]()
    week_start_on = Field[str]()
