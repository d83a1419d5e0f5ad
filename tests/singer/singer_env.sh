#!/bin/sh
# Creates .venv-singer with MeltanoLabs' target-postgres, the Singer target the tap's tests pipe into. Its own venv:
# it pins psycopg 3.3.6 and SQLAlchemy 2.0, where mogul has psycopg 3.3.9 and SQLAlchemy 2.1.
# Idempotent: re-running with the stamp present does nothing. Usage: tests/singer/singer_env.sh [VENV_DIR]
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VENV=${1:-$ROOT/.venv-singer}
PYTHON=${PYTHON:-python3}
STAMP=$VENV/.installed-target-postgres-0.8.1
[ -f "$STAMP" ] && exit 0
"$PYTHON" -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check meltanolabs-target-postgres==0.8.1
touch "$STAMP"
