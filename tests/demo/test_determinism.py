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
