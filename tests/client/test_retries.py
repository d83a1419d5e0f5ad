"""Retries, backoff, Retry-After, timeouts and error mapping, against a real scripted HTTP server."""

from __future__ import annotations

import base64

import pytest

from mogul.client import (
    AuthenticationError,
    Client,
    ForbiddenError,
    NotFoundError,
    RateLimitError,
    RetryEvent,
    RetryPolicy,
    ServerError,
    TransportError,
    ValidationError,
    normalise_base_url,
)
from mogul.client.retry import parse_retry_after

from .scripted import Reply, ScriptedServer

FAST = RetryPolicy(max_attempts=4, initial_delay=0.01, max_delay=0.05, max_elapsed=10)


def make(scripted: ScriptedServer, policy: RetryPolicy = FAST, **kwargs: object) -> Client:
    return Client("KEY123", scripted.base_url, retry=policy, **kwargs)  # type: ignore[arg-type]


def test_sends_basic_auth_with_empty_password_and_user_agent(scripted: ScriptedServer) -> None:
    with make(scripted) as cm:
        assert cm.ping() == "pong!"
    _method, path, headers, _body, _t = scripted.requests[0]
    assert path == "/v1/ping"
    assert headers["authorization"] == "Basic " + base64.b64encode(b"KEY123:").decode() == "Basic S0VZMTIzOg=="
    assert headers["user-agent"].startswith("mogul/")


def test_retries_429_and_honours_retry_after(scripted: ScriptedServer) -> None:
    scripted.script(Reply(429, b'{"code":429}', {"Retry-After": "0.3"}), Reply())
    events: list[RetryEvent] = []
    with make(scripted, on_retry=events.append) as cm:
        assert cm.ping() == "pong!"
    assert len(scripted.requests) == 2
    gap = scripted.requests[1][4] - scripted.requests[0][4]
    assert gap >= 0.3
    assert [(e.status, e.rate_limited) for e in events] == [(429, True)]
    assert events[0].wait >= 0.3


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_retries_server_errors_then_succeeds(scripted: ScriptedServer, status: int) -> None:
    scripted.script(Reply(status, b"500 Internal Server Error", content_type="text/plain"), Reply())
    with make(scripted) as cm:
        assert cm.ping() == "pong!"
    assert len(scripted.requests) == 2


def test_gives_up_after_max_attempts_with_the_last_error(scripted: ScriptedServer) -> None:
    scripted.script(*[Reply(500, b'{"code":500,"message":"boom","param":null}')] * 10)
    with make(scripted) as cm, pytest.raises(ServerError) as err:
        cm.ping()
    assert len(scripted.requests) == 4
    assert err.value.status == 500 and err.value.message == "boom"


def test_gives_up_when_the_time_budget_is_spent(scripted: ScriptedServer) -> None:
    scripted.script(*[Reply(429, b"{}", {"Retry-After": "1"})] * 10)
    policy = RetryPolicy(max_attempts=50, initial_delay=0.01, max_elapsed=1.5)
    with make(scripted, policy) as cm, pytest.raises(RateLimitError) as err:
        cm.ping()
    assert 1 <= len(scripted.requests) <= 2
    assert "gave up after" in err.value.message


def test_retry_after_beyond_the_cap_fails_at_once(scripted: ScriptedServer) -> None:
    scripted.script(Reply(429, b'{"code":429,"message":"slow down","param":null}', {"Retry-After": "3600"}))
    with make(scripted) as cm, pytest.raises(RateLimitError) as err:
        cm.ping()
    assert len(scripted.requests) == 1
    assert err.value.retry_after == 3600


@pytest.mark.parametrize(
    ("status", "body", "exc", "message"),
    [
        (
            401,
            b'{"code":401,"message":"No valid API key provided","param":null}',
            AuthenticationError,
            "No valid API key provided",
        ),
        (403, b'{"code":403,"message":"read-only","param":null}', ForbiddenError, "read-only"),
        (404, b'{"error":"Data source not found"}', NotFoundError, "Data source not found"),
        (422, b'{"errors":{"name":"Has already been taken."}}', ValidationError, "name: Has already been taken."),
        (400, b'{"code":400,"message":"bad","param":"per_page"}', ValidationError, "bad"),
    ],
)
def test_client_errors_are_not_retried_and_map_to_classes(
    scripted: ScriptedServer, status: int, body: bytes, exc: type[Exception], message: str
) -> None:
    scripted.script(Reply(status, body))
    with make(scripted) as cm, pytest.raises(exc) as err:
        cm.ping()
    assert len(scripted.requests) == 1
    assert err.value.status == status  # type: ignore[attr-defined]
    assert err.value.message == message  # type: ignore[attr-defined]
    assert "KEY123" not in str(err.value)


def test_validation_error_exposes_field_errors(scripted: ScriptedServer) -> None:
    scripted.script(Reply(422, b'{"errors":{"name":"A name is required for each data source."}}'))
    with make(scripted) as cm, pytest.raises(ValidationError) as err:
        cm.data_sources.create("")
    assert err.value.errors == {"name": "A name is required for each data source."}


def test_post_is_not_repeated_after_a_500(scripted: ScriptedServer) -> None:
    # The server may have applied the create before failing: repeating it could create a duplicate.
    scripted.script(Reply(500, b"{}"), Reply(201, b'{"uuid":"ds_1","name":"x"}'))
    with make(scripted) as cm, pytest.raises(ServerError):
        cm.data_sources.create("x")
    assert len(scripted.requests) == 1


def test_post_is_repeated_after_a_429(scripted: ScriptedServer) -> None:
    scripted.script(Reply(429, b"{}"), Reply(201, b'{"uuid":"ds_1","name":"x"}'))
    with make(scripted) as cm:
        assert cm.data_sources.create("x").uuid == "ds_1"
    assert [r[0] for r in scripted.requests] == ["POST", "POST"]


def test_read_timeout_is_retried_not_waited_on_forever(scripted: ScriptedServer) -> None:
    scripted.script(Reply(delay=2.0), Reply())
    with make(scripted, timeout=0.3) as cm:
        assert cm.ping() == "pong!"
    assert len(scripted.requests) == 2


def test_unreachable_server_raises_transport_error() -> None:
    with Client("KEY123", "http://127.0.0.1:9", retry=FAST) as cm, pytest.raises(TransportError) as err:
        cm.ping()
    assert "KEY123" not in str(err.value)


def test_non_json_success_is_a_clear_error(scripted: ScriptedServer) -> None:
    scripted.script(Reply(200, b"<html>captive portal</html>", content_type="text/html"))
    with make(scripted) as cm, pytest.raises(TransportError) as err:
        cm.ping()
    assert "expected JSON" in str(err.value)


def test_backoff_grows_and_is_jittered() -> None:
    policy = RetryPolicy(initial_delay=1, max_delay=8, jitter=lambda lo, hi: hi)
    assert [policy.backoff(n) for n in range(1, 6)] == [1, 2, 4, 8, 8]
    low = RetryPolicy(initial_delay=1, max_delay=8, jitter=lambda lo, hi: lo)
    assert [low.backoff(n) for n in range(1, 5)] == [0.5, 1, 2, 4]
    assert policy.delay(1, retry_after=5) == 5


def test_parse_retry_after() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("0.5") == 0.5
    assert parse_retry_after("-4") == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0


def test_base_url_forms() -> None:
    for url in ("https://api.chartmogul.com", "https://api.chartmogul.com/", "https://api.chartmogul.com/v1/"):
        assert normalise_base_url(url) == "https://api.chartmogul.com"
    with pytest.raises(ValueError):
        normalise_base_url("api.chartmogul.com")
    with pytest.raises(ValueError):
        Client("", "http://127.0.0.1:1")
