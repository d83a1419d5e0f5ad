"""A longer schemathesis run than the one in `make test`: `python bench/fuzz.py [--examples N] [--postgres]`.

It runs tests/server/test_fuzz.py (the same checks: no 5xx, every response as /openapi.json describes it,
invalid input refused, auth enforced) with N examples per operation instead of 30. Exit status is pytest's.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=1000, help="examples per operation (default 1000)")
    parser.add_argument("--postgres", action="store_true", help="fuzz a server on PostgreSQL instead of SQLite")
    parser.add_argument("--seed", type=int, help="hypothesis seed, to replay a run")
    args = parser.parse_args()
    env = dict(os.environ, MOGUL_FUZZ_EXAMPLES=str(args.examples))
    env["MOGUL_FUZZ_BACKEND"] = "postgres" if args.postgres else "sqlite"
    command = [sys.executable, "-m", "pytest", "tests/server/test_fuzz.py", "-q", "-p", "no:cacheprovider"]
    command += ["--hypothesis-show-statistics", "--timeout", "0"]
    if args.seed is not None:
        command.append(f"--hypothesis-seed={args.seed}")
    return subprocess.call(command, cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main())
