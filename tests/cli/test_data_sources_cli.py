"""`mogul data-sources ...` and `mogul keys ...` as a user runs them: subprocesses against a real server."""

from __future__ import annotations

import json
import subprocess

from mogul.server.embedded import EmbeddedServer
from mogul.server.store import Database

from ..conftest import MOGUL, subprocess_env


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MOGUL, *args], capture_output=True, text=True, env=env or subprocess_env(), timeout=60)


def test_create_list_get_delete_with_env_credentials(server: EmbeddedServer, rw_key: str) -> None:
    env = subprocess_env(CHARTMOGUL_API_KEY=rw_key, CHARTMOGUL_BASE_URL=server.base_url)
    created = json.loads(run("data-sources", "create", "In-house billing", "--json", env=env).stdout)
    assert created["name"] == "In-house billing" and created["uuid"].startswith("ds_")

    listed = json.loads(run("data-sources", "list", "--json", env=env).stdout)
    assert listed == {"data_sources": [created]}

    table = run("data-sources", "list", "--with-processing-status", env=env)
    assert table.returncode == 0
    assert "In-house billing" in table.stdout and created["uuid"] in table.stdout

    got = json.loads(run("data-sources", "get", created["uuid"], "--json", env=env).stdout)
    assert got == created

    deleted = run("data-sources", "delete", created["uuid"], env=env)
    assert deleted.returncode == 0 and created["uuid"] in deleted.stdout
    assert json.loads(run("data-sources", "list", "--json", env=env).stdout) == {"data_sources": []}


def test_errors_are_one_line_and_exit_non_zero(server: EmbeddedServer, rw_key: str) -> None:
    args = ["--api-key", rw_key, "--base-url", server.base_url]
    missing = run("data-sources", "get", "ds_nope", *args)
    assert missing.returncode == 1
    assert missing.stderr.strip() == "error: 404 Data source not found"
    assert "Traceback" not in missing.stderr

    run("data-sources", "create", "Twice", *args)
    dup = run("data-sources", "create", "Twice", *args)
    assert dup.returncode == 1 and "Has already been taken." in dup.stderr

    bad_key = run("data-sources", "list", "--api-key", "nope", "--base-url", server.base_url)
    assert bad_key.returncode == 1 and "No valid API key provided" in bad_key.stderr

    no_key = run("data-sources", "list", "--base-url", server.base_url)
    assert no_key.returncode == 2 and "--api-key" in no_key.stderr


def test_unreachable_server_is_a_one_line_error() -> None:
    result = run("data-sources", "list", "--api-key", "k", "--base-url", "http://127.0.0.1:9")
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr


def test_keys_create_list_revoke(database_url: str) -> None:
    created = run("keys", "create", "--name", "ci", "--access", "read-only", "--database", database_url)
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip()
    assert len(key) == 32 and "read-only" in created.stderr

    listed = json.loads(run("keys", "list", "--json", "--database", database_url).stdout)
    assert [(k["name"], k["access"], k["revoked_at"]) for k in listed] == [("ci", "read-only", None)]
    assert key not in json.dumps(listed)

    db = Database(database_url)
    from mogul.server.auth import KeyRing

    assert KeyRing(db).lookup(key) is not None
    revoked = run("keys", "revoke", str(listed[0]["id"]), "--database", database_url)
    assert revoked.returncode == 0
    assert KeyRing(db).lookup(key) is None
    again = run("keys", "revoke", str(listed[0]["id"]), "--database", database_url)
    assert again.returncode == 1 and again.stderr.startswith("error: no active key")
    db.dispose()


def test_keys_reject_bad_access_level(database_url: str) -> None:
    result = run("keys", "create", "--name", "x", "--access", "admin", "--database", database_url)
    assert result.returncode == 2 and "read-only" in result.stderr


def test_help_teaches() -> None:
    top = run("--help")
    assert top.returncode == 0
    for command in ("serve", "keys", "data-sources", "demo"):
        assert command in top.stdout
    serve = run("serve", "--help")
    assert "--database" in serve.stdout and "postgresql://" in serve.stdout
