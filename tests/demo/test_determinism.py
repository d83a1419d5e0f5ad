"""Same seed, same bytes; another seed, another history."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from datetime import date

from mogul.demo.generator import GeneratorConfig, generate

from ..conftest import subprocess_env

CONFIG = GeneratorConfig(customers=300, seed=42)


def test_same_seed_gives_byte_identical_payloads() -> None:
    assert generate(CONFIG).to_json() == generate(CONFIG).to_json()


def test_different_seeds_give_different_histories() -> None:
    one, other = generate(CONFIG), generate(GeneratorConfig(customers=300, seed=43))
    assert one.to_json() != other.to_json()
    assert [h.customer["email"] for h in one.customers] != [h.customer["email"] for h in other.customers]
    assert [len(h.invoices) for h in one.customers] != [len(h.invoices) for h in other.customers]


def test_every_knob_changes_the_output() -> None:
    base = generate(CONFIG).to_json()
    for changed in (
        GeneratorConfig(customers=301, seed=42),
        GeneratorConfig(customers=300, seed=42, start=date(2022, 6, 1)),
        GeneratorConfig(customers=300, seed=42, months=24),
        GeneratorConfig(customers=300, seed=42, growth=0.0),
        GeneratorConfig(customers=300, seed=42, seasonality=0.0),
        GeneratorConfig(customers=300, seed=42, churn=0.1),
    ):
        assert generate(changed).to_json() != base, changed


def test_output_does_not_depend_on_the_interpreter_run() -> None:
    """Hash randomisation differs per process: nothing may depend on set or dict-of-str iteration order."""
    code = (
        "import hashlib, sys; from mogul.demo.generator import GeneratorConfig, generate; "
        "sys.stdout.write(hashlib.sha256(generate(GeneratorConfig(customers=300, seed=42)).to_json()).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env=subprocess_env(PYTHONHASHSEED=hash_seed),
            timeout=120,
        ).stdout
        for hash_seed in ("1", "2")
    }
    assert digests == {hashlib.sha256(generate(CONFIG).to_json()).hexdigest()}


def test_zero_customers_is_an_empty_history_with_its_plans() -> None:
    dataset = generate(GeneratorConfig(customers=0))
    assert dataset.customers == [] and len(dataset.plans) == 9
    assert dataset.counts()["invoices"] == 0


def test_a_history_ending_in_a_month_covers_the_whole_months_before_it() -> None:
    config = GeneratorConfig.ending(date(2026, 12, 1), 36, customers=200, seed=4)
    assert config.start == date(2024, 1, 1) and config.end_month == date(2026, 12, 1)
    assert config.history_end.date() == date(2027, 1, 1)
    # Any day of the end month names the same history.
    assert generate(GeneratorConfig.ending(date(2026, 12, 17), 36, customers=200, seed=4)).to_json() == (
        generate(config).to_json()
    )
    months = {i["date"][:7] for i in generate(config).invoices()}
    assert min(months) == "2024-01" and max(months) == "2026-12"
    assert GeneratorConfig.ending(date(2025, 3, 1), 1).start == date(2025, 3, 1)
    assert GeneratorConfig.ending(date(2025, 3, 1), 15).start == date(2024, 1, 1)
