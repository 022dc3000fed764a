"""Fixtures for the runner tests: a real dbt fixture project on a real DuckDB file, a real SMTP
server (aiosmtpd) and a real HTTP webhook receiver, all on 127.0.0.1, and a settable clock.

dbt costs seconds per invocation, so one session build of the fixture project (with failing
tests) is copied for every test that only needs `pipemon alert`.
"""

from __future__ import annotations

import datetime as dt
import email
import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message as EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
REPO = HERE.parents[2]
FIXTURE = HERE / "fixture_project"
WAREHOUSE_NAME = "fx.duckdb"  # the stem is the DuckDB catalog in stored-failure relation names
FAILING_VARS = {"failing": ["nbac_injury_report"], "late": ["bp_player_props"]}
BASE_TIME = dt.datetime(2025, 12, 4, 13, 0, tzinfo=dt.UTC)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_project(dest: Path) -> Path:
    """Copy the fixture project plus the real project's monitoring models into dest."""
    shutil.copytree(FIXTURE, dest, ignore=shutil.ignore_patterns("target", "logs"))
    for layer in ("staging", "marts"):
        src = REPO / "models" / layer / "monitoring"
        if src.is_dir():
            shutil.copytree(src, dest / "models" / f"monitoring_{layer}")
    shutil.copytree(REPO / "macros", dest / "macros" / "pipemon")
    shutil.copytree(REPO / "docs" / "runbooks", dest / "docs" / "runbooks")
    return dest


def use_project(monkeypatch: pytest.MonkeyPatch, project: Path, warehouse: Path) -> None:
    monkeypatch.setenv("PIPEMON_PROJECT_DIR", str(project))
    monkeypatch.setenv("DBT_PROFILES_DIR", str(project))
    monkeypatch.setenv("PIPEMON_DUCKDB_PATH", str(warehouse))
    monkeypatch.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
    # the copy's own target/ and logs/ (a pytest-xdist worker sets a directory of its own)
    monkeypatch.delenv("DBT_TARGET_PATH", raising=False)
    monkeypatch.delenv("DBT_LOG_PATH", raising=False)
    monkeypatch.chdir(project)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture project built once with failing tests: <dir>/project and <dir>/fx.duckdb
    (once per run, `session_cache.built_once`; this process's copy)."""
    from session_cache import built_once

    return built_once("runner-fixture-project", _build, tmp_path_factory.mktemp("built"))


def _build(base: Path) -> Path:
    from pipemon import dbt
    from pipemon.warehouse import open_warehouse, resolve

    project = make_project(base / "project")
    warehouse = base / WAREHOUSE_NAME
    mp = pytest.MonkeyPatch()
    try:
        use_project(mp, project, warehouse)
        import duckdb

        duckdb.connect(str(warehouse)).close()
        wh = open_warehouse(resolve())
        wh.ensure_tables()  # the monitoring sources must exist for their staging views
        wh.close()
        outcome = dbt.invoke(["build"], vars_=FAILING_VARS)
        assert outcome.exception is None, outcome.exception
        from pipemon.warehouse.duckdb import release_dbt_connections

        release_dbt_connections()
    finally:
        mp.undo()
    return base


@dataclass
class Env:
    """One test's copy of the built project, its warehouse and its alert config."""

    root: Path
    project: Path
    warehouse: Path
    config: Path
    monkeypatch: pytest.MonkeyPatch

    def write_config(self, text: str) -> None:
        self.config.write_text(text)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        import duckdb

        from pipemon.warehouse.duckdb import release_dbt_connections

        release_dbt_connections()
        con = duckdb.connect(str(self.warehouse))
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()


@pytest.fixture
def env(built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Env:
    project = tmp_path / "project"
    shutil.copytree(built / "project", project)
    warehouse = tmp_path / WAREHOUSE_NAME
    shutil.copy(built / WAREHOUSE_NAME, warehouse)
    use_project(monkeypatch, project, warehouse)
    config = tmp_path / "alerts.yml"
    monkeypatch.setenv("PIPEMON_ALERTS_CONFIG", str(config))
    monkeypatch.delenv("PIPEMON_HEARTBEAT_URL", raising=False)
    return Env(tmp_path, project, warehouse, config, monkeypatch)


class Clock:
    """A settable UTC clock for the runner (`clock=`)."""

    def __init__(self, start: dt.datetime = BASE_TIME) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += dt.timedelta(minutes=minutes)


@pytest.fixture
def clock() -> Clock:
    return Clock()


# -- a real webhook receiver -------------------------------------------------------------------
@dataclass
class Webhook:
    port: int
    posts: list[dict[str, Any]] = field(default_factory=list)
    mode: str = "ok"  # ok | fail (HTTP 500) | slow (answers after `delay`) | hold (see below)
    # hold: the post is taken (recorded, `received` set), the answer waits `delay` seconds
    delay: float = 3.0
    hits: int = 0
    gets: list[str] = field(default_factory=list)
    received: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str = "hook") -> str:
        return f"json://127.0.0.1:{self.port}/{path}"

    @property
    def titles(self) -> list[str]:
        return [p["json"]["title"] for p in self.posts]


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    state = Webhook(port=0)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server API
            state.hits += 1
            length = int(self.headers.get("Content-Length", 0))
            raw = self.rfile.read(length).decode()
            if state.mode == "fail":
                self.send_response(500)
                self.end_headers()
                return
            if state.mode == "slow":  # answers too late: the sender gave up, nothing processed
                time.sleep(state.delay)
                self.send_response(504)
                self.end_headers()
                return
            state.posts.append(
                {"path": self.path, "json": json.loads(raw), "headers": dict(self.headers)}
            )
            if state.mode == "hold":  # delivered; the sender is still waiting for the answer
                state.received.set()
                time.sleep(state.delay)
            self.send_response(200)
            self.end_headers()

        def do_GET(self) -> None:  # noqa: N802 - heartbeat pings
            state.gets.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


# -- a real SMTP server ------------------------------------------------------------------------
@dataclass
class Smtp:
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    controller: Any = None

    def url(self) -> str:
        return (
            f"mailto://127.0.0.1:{self.port}?from=pipemon@example.com"
            "&to=oncall@example.com&mode=insecure"
        )

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        box = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
                box.messages.append(email.message_from_bytes(envelope.content))
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @staticmethod
    def text(message: EmailMessage) -> str:
        for part in message.walk():
            if part.get_content_type() == "text/plain":
                payload = part.get_payload(decode=True)
                assert isinstance(payload, bytes)
                return payload.decode(part.get_content_charset() or "utf-8")
        return ""


@pytest.fixture
def smtp() -> Iterator[Smtp]:
    """An SMTP server on a free port, not started (tests start/stop it)."""
    server = Smtp(port=free_port())
    yield server
    server.stop()


def pipemon_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for a `pipemon` subprocess (the test's monkeypatched env + extra)."""
    out = dict(os.environ)
    out.update(extra or {})
    return out
