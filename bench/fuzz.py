"""A longer schemathesis run than the one in `make test`: `python bench/fuzz.py [--examples N] [--postgres]`.

It runs tests/server/test_fuzz.py (the same checks: no 5xx, every response as /openapi.json describes it,
invalid input refused, auth enforced) with N examples per operation instead of 30, and the hostile-input
properties of tests/server/test_extreme_input_properties.py (extreme numbers in every invoice field, nesting
and size in every free-form JSON field) with N/5 examples each instead of 20 (at the default N = 1000, 200
examples: about 15 s on SQLite). Exit status is pytest's.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROPERTIES = (
    "test_extreme_numbers_in_every_invoice_field_never_break_import_or_processing",
    "test_nesting_and_size_in_every_free_form_field_never_break_writes_or_reads",
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=1000, help="examples per operation (default 1000)")
    parser.add_argument("--postgres", action="store_true", help="fuzz a server on PostgreSQL instead of SQLite")
    parser.add_argument("--seed", type=int, help="hypothesis seed, to replay a run")
    args = parser.parse_args()
    env = dict(os.environ, MOGUL_FUZZ_EXAMPLES=str(args.examples))
    env["MOGUL_FUZZ_BACKEND"] = "postgres" if args.postgres else "sqlite"
    env["MOGUL_PROPERTY_EXAMPLES"] = str(max(1, args.examples // 5))
    command = [sys.executable, "-m", "pytest", "tests/server/test_fuzz.py", "-q", "-p", "no:cacheprovider"]
    backend = "postgres" if args.postgres else "sqlite"
    command += [f"tests/server/test_extreme_input_properties.py::{name}[{backend}]" for name in PROPERTIES]
    command += ["--hypothesis-show-statistics", "--timeout", "0"]
    if args.seed is not None:
        command.append(f"--hypothesis-seed={args.seed}")
    return subprocess.call(command, cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main())
