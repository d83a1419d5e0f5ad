"""The dashboard's files over HTTP (no browser; tests/dashboard drives one): served without a key, holding no
data, complete for offline use, and locked to their own origin."""

from __future__ import annotations

import re

import httpx

from mogul.server.dashboard import STATIC
from mogul.server.embedded import EmbeddedServer

# Every file the page loads: the HTML names the first ones, the modules import the rest.
SCRIPT_OR_STYLE = re.compile(r'(?:src|href)="(/dashboard/[^"]+)"')
IMPORT = re.compile(r'^import .* from "\./([\w-]+\.js)";$', re.MULTILINE)


def referenced_files() -> set[str]:
    html = (STATIC / "index.html").read_text()
    found = set(SCRIPT_OR_STYLE.findall(html))
    modules = [path for path in found if path.endswith(".js") and "/js/" in path]
    while modules:
        path = modules.pop()
        for name in IMPORT.findall((STATIC / path.removeprefix("/dashboard/")).read_text()):
            imported = f"/dashboard/js/{name}"
            if imported not in found:
                found.add(imported)
                modules.append(imported)
    return found


def test_the_page_and_its_files_are_served_without_a_key(server: EmbeddedServer) -> None:
    page = httpx.get(server.base_url + "/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert 'id="api-key"' in page.text
    files = referenced_files()
    assert {"/dashboard/app.css", "/dashboard/vendor/chart.umd.min.js", "/dashboard/js/app.js"} <= files
    assert len([f for f in files if f.startswith("/dashboard/js/")]) >= 8
    for path in sorted(files):
        r = httpx.get(server.base_url + path)
        assert r.status_code == 200, path
        assert r.content == (STATIC / path.removeprefix("/dashboard/")).read_bytes(), path
        kind = "text/css" if path.endswith(".css") else "javascript"
        assert kind in r.headers["content-type"], path
        assert r.headers["cache-control"] == "no-cache", path
    assert "Chart.js v4.6.1" in httpx.get(server.base_url + "/dashboard/vendor/chart.umd.min.js").text


def test_the_page_is_locked_to_its_own_origin(server: EmbeddedServer) -> None:
    headers = httpx.get(server.base_url + "/").headers
    policy = dict(part.strip().split(" ", 1) for part in headers["content-security-policy"].split(";"))
    assert policy["default-src"] == policy["script-src"] == policy["connect-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert headers["x-content-type-options"] == "nosniff"
    # Nothing from elsewhere, so it works offline: no URL of another origin in the page or its modules.
    for path in ["index.html", "app.css", *(f"js/{p.name}" for p in (STATIC / "js").glob("*.js"))]:
        assert not re.search(r"https?://", (STATIC / path).read_text()), path


def test_the_page_holds_no_data_and_the_api_still_wants_a_key(server: EmbeddedServer, api: httpx.Client) -> None:
    api.post("/data_sources", json={"name": "Secret billing"})
    assert "Secret billing" not in httpx.get(server.base_url + "/").text
    assert httpx.get(server.base_url + "/v1/data_sources").status_code == 401
    assert api.get("/data_sources").json()["data_sources"][0]["name"] == "Secret billing"


def test_unknown_dashboard_paths_are_the_usual_json_404(server: EmbeddedServer) -> None:
    for path in ("/dashboard/nope.js", "/dashboard/../pyproject.toml", "/elsewhere"):
        r = httpx.get(server.base_url + path)
        assert r.status_code == 404, path
        assert r.json()["code"] == 404, path
    assert httpx.post(server.base_url + "/").status_code == 405
