# The two set-up commands of the README: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# PyAirbyte runs mogul's source in its own virtualenv: its pins (duckdb, sqlalchemy) conflict with mogul's.
PYAIRBYTE := .venv-pyairbyte/.installed-airbyte-0.71.3
# ChartMogul's official Node client, for tests/server/test_official_node_client.py (node_modules is git-ignored).
NODE_CLIENT := tests/node/node_modules/chartmogul-node/package.json
# The Singer target tap-chartmogul's tests pipe into (MeltanoLabs' target-postgres): its pins (psycopg, SQLAlchemy) too.
SINGER := .venv-singer/.installed-target-postgres-0.8.1
# ChartMogul's own MCP server, for tests/mcp_server/: Python >= 3.13 and pins of its own (tests/mcp_server/mcp_env.sh).
MCP := .venv-mcp/.installed-chartmogul-mcp-server-0.3.1

.PHONY: install constraints demo test lint format fuzz bench-airbyte clean chromium node-client mcp-server

install: $(STAMP)

# Every extra and the test tools, at the exact versions of constraints.txt (pyproject.toml has the ranges).
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[all,test]'
	touch $(STAMP)

# Re-resolve constraints.txt: the newest versions pyproject.toml's ranges allow, installed in a scratch venv.
constraints:
	rm -rf .venv-constraints && $(PYTHON) -m venv .venv-constraints
	.venv-constraints/bin/python -m pip install --quiet '.[all,test]'
	{ sed -n '1,2p' constraints.txt; .venv-constraints/bin/python -m pip freeze --exclude mogul | sort -f; } > constraints.new
	mv constraints.new constraints.txt && rm -rf .venv-constraints

demo: install
	$(BIN)/mogul demo

test: install lint chromium $(PYAIRBYTE) $(SINGER) $(NODE_CLIENT) $(MCP)
	$(BIN)/python -m pytest -n 2 --dist loadfile

# The dashboard's browser tests drive Debian's Chromium (Playwright never downloads a browser here).
chromium:
	command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium chromium-driver)

$(PYAIRBYTE):
	PYTHON=$(PYTHON) sh tests/source/pyairbyte_env.sh

node-client: $(NODE_CLIENT)

$(NODE_CLIENT): tests/node/package.json
	cd tests/node && npm install --no-package-lock --no-audit --no-fund --loglevel=error
	touch $(NODE_CLIENT)

$(SINGER):
	PYTHON=$(PYTHON) sh tests/singer/singer_env.sh

mcp-server: $(MCP)

# PYTHON_MCP may name a Python 3.13; by default python3.13 or pyenv's.
$(MCP):
	sh tests/mcp_server/mcp_env.sh

# A longer schemathesis run than the one in `make test` (1,000 examples per operation), plus the hostile-input
# properties at 200 examples each (about 15 s of that budget on SQLite); see bench/fuzz.py, docs/reliability.md.
fuzz: install
	$(BIN)/python bench/fuzz.py

# mogul's source against Airbyte's ChartMogul connector on one local server (docs/performance.md). The first run
# installs Airbyte's connector and runtime under bench/.venvs/ and seeds 20,000 customers (10-30 minutes).
bench-airbyte: install
	$(BIN)/python bench/compare_airbyte.py

# mypy runs strict on the client and the source (pyproject.toml [tool.mypy]).
lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

clean:
	rm -rf $(VENV) .venv-pyairbyte .venv-singer .venv-mcp .pytest_cache .ruff_cache .mypy_cache .hypothesis test-artifacts tests/node/node_modules
