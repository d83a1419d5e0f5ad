#!/bin/sh
# Creates .venv-pyairbyte: PyAirbyte pins duckdb/sqlalchemy/pyrate-limiter versions that conflict with mogul's.
# The test runs mogul from its own venv through a wrapper script given to PyAirbyte as local_executable.
# Idempotent: re-running with the stamp present does nothing. Usage: tests/source/pyairbyte_env.sh [VENV_DIR]
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VENV=${1:-$ROOT/.venv-pyairbyte}
PYTHON=${PYTHON:-python3}
STAMP=$VENV/.installed-airbyte-0.71.3
[ -f "$STAMP" ] && exit 0
"$PYTHON" -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check airbyte==0.71.3
touch "$STAMP"
