"""Reading request fields: wrong JSON types are a 400 (`coded`), wrong values are collected as 422 messages."""

from __future__ import annotations

import re
from typing import Any

from ..errors import bad_request
from ..timefmt import parse_timestamp

# ISO 4217 active codes (plus a few still seen in billing systems): invoices in anything else are refused.
_ISO_4217 = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF "
    "CHF CLF CLP CNY COP CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ "
    "GYD HKD HNL HRK HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR "
    "LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK "
    "PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS "
    "TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWL"
)
CURRENCIES = frozenset(_ISO_4217.split())
SIGNS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CNY": "¥", "INR": "₹", "KRW": "₩", "BRL": "R$"}
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
INVALID_TIMESTAMP = "is not a valid date"


def string(body: dict[str, Any], key: str, *, label: str | None = None) -> str | None:
    value = body.get(key)
    if value is None or isinstance(value, str):
        return value
    raise bad_request(f"{label or key} must be a string", label or key)


def as_integer(value: Any) -> int | None:
    """An int, or a float with no fraction (`237.0`: JSON Schema calls it an integer, and so do JavaScript
    clients), within 64 bits; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    return value if isinstance(value, int) else None


def integer(body: dict[str, Any], key: str, *, label: str | None = None) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    number = as_integer(value)
    if number is None:
        raise bad_request(f"{label or key} must be an integer", label or key)
    return number


def boolean(body: dict[str, Any], key: str, *, label: str | None = None) -> bool | None:
    value = body.get(key)
    if value is None or isinstance(value, bool):
        return value
    raise bad_request(f"{label or key} must be true or false", label or key)


def obj(body: dict[str, Any], key: str) -> dict[str, Any] | None:
    value = body.get(key)
    if value is None or isinstance(value, dict):
        return value
    raise bad_request(f"{key} must be an object", key)


def str_list(value: Any, label: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad_request(f"{label} must be a list of strings", label)
    return value


def timestamp(value: Any, key: str, errors: dict[str, str]) -> int | None:
    """A request timestamp in any form ChartMogul accepts; a bad one is recorded under `key`."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return parse_timestamp(value)
        except (ValueError, OverflowError):
            pass
    errors[key] = INVALID_TIMESTAMP
    return None


def country(value: str | None, errors: dict[str, str]) -> str | None:
    if value is None or value == "":
        return None
    if not _COUNTRY.match(value):
        errors["country"] = "must be an ISO 3166-1 alpha-2 code"
        return None
    return value.upper()


def currency_sign(code: str) -> str:
    return SIGNS.get(code, code)
