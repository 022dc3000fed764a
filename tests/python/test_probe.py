"""`pipemon probe` against real local HTTP servers and a real DuckDB warehouse."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipemon import envrefs, probe
from pipemon.cli import main
from session_cache import contract_tables, copy_duckdb

TIMEOUT = 1.0
QUERY_TOKEN = "qtok-5f1d2c9a7b"
HEADER_TOKEN = "htok-8e4b0a6c3d"
URL_PASSWORD = "upw-2b7c9e1f4a"
SECRETS = (QUERY_TOKEN, HEADER_TOKEN, URL_PASSWORD)
HEALTHY, FAILING, HANGING, REFUSED = "healthy-svc", "failing-svc", "hanging-svc", "refused-svc"


class _Server:
    """127.0.0.1 server: /health 200, /fail 503, /hang sleeps past the timeout."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.seen_auth: list[str | None] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                path = self.path.split("?")[0]
                outer.seen_auth.append(self.headers.get("X-Probe-Token"))
                if path == "/hang":
                    outer.release.wait(TIMEOUT * 5)
                code = {"/health": 200, "/fail": 503}.get(path, 200)
                try:
                    self.send_response(code)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:  # the probe gave up on /hang and closed the connection
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def server() -> Iterator[_Server]:
    srv = _Server()
    yield srv
    srv.close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DuckDB warehouse with the contract tables, created by the project's dbt macro (a copy
    of the session's)."""
    path = tmp_path_factory.mktemp("wh") / "pipemon.duckdb"
    return copy_duckdb(contract_tables("planned"), path)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, warehouse: Path) -> Path:
    monkeypatch.setenv("PIPEMON_DUCKDB_PATH", str(warehouse))
    monkeypatch.setenv("PROBE_TEST_TOKEN", HEADER_TOKEN)
    monkeypatch.setenv("PROBE_TEST_QUERY", QUERY_TOKEN)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("delete from nba_orchestration.service_health_checks")
    return warehouse


def _write_config(tmp_path: Path, server: _Server) -> Path:
    base = f"http://127.0.0.1:{server.port}"
    config = tmp_path / "services.yml"
    config.write_text(
        f"""
defaults:
  timeout_seconds: 30
  auth:
    header: X-Probe-Token
    env: PROBE_TEST_TOKEN
services:
  - name: {HEALTHY}
    url: "http://probe:{URL_PASSWORD}@127.0.0.1:{server.port}/health?token=${{PROBE_TEST_QUERY}}"
  - name: {FAILING}
    url: "${{PROBE_TEST_UNSET_URL:-{base}/fail}}"
  - name: {HANGING}
    url: {base}/hang
  - name: {REFUSED}
    url: http://127.0.0.1:{_closed_port()}/health
"""
    )
    return config


def _rows(warehouse: Path) -> dict[str, dict[str, Any]]:
    with duckdb.connect(str(warehouse)) as con:
        cur = con.execute("select * from nba_orchestration.service_health_checks")
        names = [d[0] for d in cur.description]
        return {row[1]: dict(zip(names, row, strict=True)) for row in cur.fetchall()}


def _assert_no_secrets(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


def test_cli_probes_concurrently_writes_rows_and_leaks_nothing(
    tmp_path: Path, server: _Server, env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _write_config(tmp_path, server)
    started = time.monotonic()
    code = main(["probe", "--config", str(config), "--timeout", str(TIMEOUT)])
    elapsed = time.monotonic() - started
    out, err = capsys.readouterr()

    assert code == 1
    # Bounded by the hanging service's timeout, plus CLI start-up and the warehouse write.
    assert elapsed < TIMEOUT + 2.0, f"probe took {elapsed:.2f}s"
    lines = {line.split()[1]: line for line in out.splitlines() if line[:1] in "✅❌"}
    assert lines[HEALTHY].startswith("✅")
    assert all(lines[name].startswith("❌") for name in (FAILING, HANGING, REFUSED))
    assert "1/4 services healthy" in out

    rows = _rows(env)
    assert set(rows) == {HEALTHY, FAILING, HANGING, REFUSED}
    assert len({row["checked_at"] for row in rows.values()}) == 1
    healthy, failing, hanging, refused = (rows[n] for n in (HEALTHY, FAILING, HANGING, REFUSED))
    assert (healthy["is_healthy"], healthy["http_status"], healthy["error_message"]) == (
        True,
        200,
        None,
    )
    assert healthy["url"] == f"http://127.0.0.1:{server.port}/health"
    assert (failing["is_healthy"], failing["http_status"]) == (False, 503)
    assert failing["error_message"].startswith("unexpected status 503")
    assert (hanging["is_healthy"], hanging["http_status"]) == (False, None)
    assert hanging["error_message"] == "timeout after 1s"
    assert hanging["latency_ms"] >= TIMEOUT * 1000 * 0.9
    assert (refused["is_healthy"], refused["http_status"]) == (False, None)
    assert refused["error_message"] == "connection refused"
    assert all(row["latency_ms"] is not None for row in rows.values())

    # The header was sent (from the env var) but appears nowhere we store or print.
    assert HEADER_TOKEN in server.seen_auth
    _assert_no_secrets(out, err, json.dumps(list(rows.values()), default=str))


def test_library_all_healthy_and_json_output(
    tmp_path: Path, server: _Server, env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = f"http://127.0.0.1:{server.port}"
    config = tmp_path / "services.yml"
    config.write_text(
        f"services:\n"
        f"  - {{name: a, url: '{base}/health?key=${{PROBE_TEST_QUERY}}'}}\n"
        f"  - {{name: b, url: '{base}/fail', expect_status: 503, timeout_seconds: 2}}\n"
    )
    services = probe.load_config(config)
    assert [s.timeout_seconds for s in services] == [probe.DEFAULT_TIMEOUT_SECONDS, 2.0]
    results = probe.run_checks(services)
    assert [(r.is_healthy, r.http_status) for r in results] == [(True, 200), (True, 503)]
    assert probe.write_results(results, probe.DuckDBSink()) == 2
    assert len(_rows(env)) == 2

    code = main(["probe", "--config", str(config), "--json", "--dry-run"])
    out, err = capsys.readouterr()
    assert code == 0
    payload = json.loads(out)
    assert [p["service_name"] for p in payload] == ["a", "b"]
    assert payload[0]["url"] == f"{base}/health"
    assert len(_rows(env)) == 2, "--dry-run wrote rows"
    _assert_no_secrets(out, err)


def test_hanging_services_run_in_parallel(server: _Server) -> None:
    hang = f"http://127.0.0.1:{server.port}/hang"
    services = [probe.Service(name=f"h{i}", url=hang, timeout_seconds=TIMEOUT) for i in range(4)]
    started = time.monotonic()
    results = probe.run_checks(services)
    elapsed = time.monotonic() - started
    assert elapsed < TIMEOUT * 2, f"4 hanging checks took {elapsed:.2f}s: not concurrent"
    assert all(r.error_message == "timeout after 1s" for r in results)


class _ListSink:
    def __init__(self) -> None:
        self.batches: list[list[probe.CheckResult]] = []

    def write(self, rows: Any) -> None:
        self.batches.append(list(rows))


def test_write_results_sends_one_batch_to_any_sink(server: _Server) -> None:
    url = f"http://127.0.0.1:{server.port}/health"
    results = probe.run_checks([probe.Service(name=n, url=url) for n in ("x", "y", "z")])
    sink = _ListSink()
    assert probe.write_results(results, sink) == 3
    assert [len(b) for b in sink.batches] == [3]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("services:\n  - name: x\n", "service 'x' has no url"),
        ("nothing: here\n", "expected a mapping with a 'services' list"),
        ("services: []\n", "'services' is empty"),
        ("services:\n  - {name: x, url: 'ftp://h/'}\n", "service 'x' url must be an http(s) URL"),
        ("services:\n  - {name: x, url: '${PROBE_NOT_SET}/h'}\n", "${PROBE_NOT_SET}, which is not"),
        ("services:\n  - {name: x, url: 'http://h', expect_status: ok}\n", "expect_status must"),
        ("services:\n  - {name: x, url: 'http://h', timeout_seconds: 0}\n", "timeout_seconds must"),
        (
            "services:\n  - {name: x, url: 'http://h', auth: {header: A, value: s3cret}}\n",
            "secret values never go in this file",
        ),
        (
            "services:\n  - {name: x, url: 'http://h', auth: {header: A, env: PROBE_NOT_SET}}\n",
            "$PROBE_NOT_SET, which is not set",
        ),
        ("services:\n  - {name: x, url: 'https://x-<hash>.a.run.app'}\n", "placeholder"),
    ],
)
def test_bad_config_exits_2_saying_what_was_expected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, expected: str
) -> None:
    config = tmp_path / "services.yml"
    config.write_text(body)
    code = main(["probe", "--config", str(config), "--dry-run"])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert f"{config}: " in err and expected in err
    assert "s3cret" not in err


def test_missing_table_gets_one_line_hint(
    tmp_path: Path,
    server: _Server,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    monkeypatch.setenv("PIPEMON_DUCKDB_PATH", str(empty))
    config = tmp_path / "services.yml"
    config.write_text(f"services:\n  - {{name: a, url: 'http://127.0.0.1:{server.port}/health'}}\n")
    code = main(["probe", "--config", str(config)])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "make demo" in err and "dbt run-operation create_contract_tables" in err


def test_shipped_config_is_valid_once_urls_are_set(monkeypatch: pytest.MonkeyPatch) -> None:
    path = probe.default_config_path()
    text = path.read_text()
    for name in set(envrefs.names(text)):
        monkeypatch.setenv(name, "https://example.test")
    services = probe.load_config(path)
    assert "nba-phase1-scrapers" in [s.name for s in services]
    assert all(s.url.startswith("https://example.test/") for s in services)
