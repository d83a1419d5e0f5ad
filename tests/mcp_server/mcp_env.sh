#!/bin/sh
# Creates .venv-mcp with ChartMogul's own MCP server (chartmogul-mcp-server 0.3.1, on the official `chartmogul`
# client). It needs Python >= 3.13, so its own venv; PYTHON_MCP names the interpreter (default: python3.13, else
# pyenv's 3.13). mcp is pinned below 1.10: the server passes `deps=` to FastMCP, which later 1.x releases refuse,
# and 2.x has no FastMCP; pydantic 2.11 is the newest that mcp 1.9 imports with. constraints.txt pins the rest.
# Idempotent: re-running with the stamp present does nothing. Usage: tests/mcp_server/mcp_env.sh [VENV_DIR]
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VENV=${1:-$ROOT/.venv-mcp}
STAMP=$VENV/.installed-chartmogul-mcp-server-0.3.1
[ -f "$STAMP" ] && exit 0
if [ -z "${PYTHON_MCP:-}" ]; then
    # The first candidate that runs: a pyenv shim exists even where its version is not selected.
    for candidate in python3.13 "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.13*/bin/python3.13; do
        if "$candidate" -c 'import sys; assert sys.version_info >= (3, 13)' 2>/dev/null; then
            PYTHON_MCP=$candidate
            break
        fi
    done
fi
[ -n "${PYTHON_MCP:-}" ] || { echo "no Python 3.13: install it (e.g. pyenv install 3.13) or set PYTHON_MCP" >&2; exit 1; }
"$PYTHON_MCP" -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check -c "$ROOT/tests/mcp_server/constraints.txt" \
    chartmogul-mcp-server==0.3.1 chartmogul==4.11.0 'mcp[cli]==1.9.4' pydantic==2.11.7
touch "$STAMP"
