"""`ServerSettings` from `mogul serve`'s options, and across to worker processes."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from mogul.cli import main
from mogul.server import serve as serve_module
from mogul.server.settings import RequestLimits, ServerSettings, parse_size


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> dict:
    seen: dict = {}

    def fake_serve(**kwargs: object) -> None:
        seen.update(kwargs)

    monkeypatch.setattr(serve_module, "serve", fake_serve)
    return seen


def test_serve_defaults_are_chartmogul_limits_and_no_faults(captured: dict) -> None:
    result = CliRunner().invoke(main, ["serve"])
    assert result.exit_code == 0, result.output
    assert captured["settings"] == ServerSettings.chartmogul()


def test_serve_options_build_the_settings(captured: dict) -> None:
    args = ["serve", "--rate-limit", "0", "--max-connections", "5", "--max-body-size", "1MiB"]
    args += ["--faults", "500=0.1,reset=0.05", "--fault-seed", "9", "--latency", "150ms"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert captured["settings"] == ServerSettings(
        rate_limit=0,
        max_connections=5,
        faults="500=0.1,reset=0.05",
        fault_seed=9,
        fault_header=True,  # implied by --faults
        latency=0.15,
        limits=RequestLimits(max_body_bytes=1024 * 1024),
    )


@pytest.mark.parametrize(
    "args",
    [
        ["--faults", "500"],
        ["--faults", "teapot=0.1"],
        ["--latency", "soon"],
        ["--max-body-size", "big"],
        ["--rate-limit", "-1"],
    ],
)
def test_bad_options_are_usage_errors(captured: dict, args: list[str]) -> None:
    result = CliRunner().invoke(main, ["serve", *args])
    assert result.exit_code == 2
    assert "Invalid value" in result.output
    assert captured == {}


def test_settings_survive_the_trip_to_worker_processes() -> None:
    settings = ServerSettings(
        rate_limit=7, faults="503=0.5", fault_seed=1, latency=0.2, limits=RequestLimits(max_array_items=3)
    )
    assert ServerSettings.from_json(settings.to_json()) == settings


def test_sizes() -> None:
    assert parse_size("8MiB") == 8 * 1024 * 1024
    assert parse_size("500kB") == 500_000
    assert parse_size("1024") == 1024
    with pytest.raises(ValueError):
        parse_size("lots")
