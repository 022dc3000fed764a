"""Paging that resolves: PagerDuty (Events API v2) and Opsgenie (Alert API v2) follow pipemon's
incidents by one deduplication key, the incident id: trigger when it opens, acknowledge on
`pipemon ack`, resolve when it is fixed (or closed by hand). Both services are a real local
HTTPS server (a test CA from trustme, trusted through SSL_CERT_FILE / REQUESTS_CA_BUNDLE) that
checks every payload as the services document them; the monitor builds for real on DuckDB."""

from __future__ import annotations

import datetime as dt
import json
import ssl
import subprocess
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from pipemon import runner
from pipemon.alerts import config
from pipemon.runner import RunOptions

ROUTING_KEY = "R0uting" + "Key" + "0123456789abcdef0123"  # 32 characters, as PagerDuty's
API_KEY = "0psgenie" + "-key-" + "0123456789abcdef"
CONFIG = """
channels:
  pd: {url: "pagerduty-events://${T_PD_KEY}@127.0.0.1:${T_PAGER_PORT}"}
  og: {url: "opsgenie-alerts://${T_OG_KEY}@127.0.0.1:${T_PAGER_PORT}"}
default_channels: [pd, og]
delivery: {timeout_seconds: 3}
"""
PD_SEVERITIES = ("critical", "error", "warning", "info")


@dataclass
class Pager:
    """One HTTPS server playing both services, keeping what each accepted."""

    port: int = 0
    mode: str = "ok"  # ok | fail (HTTP 500, nothing accepted)
    hits: int = 0
    pagerduty: list[dict[str, Any]] = field(default_factory=list)
    opsgenie: list[dict[str, Any]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # payloads the API would refuse, and why

    def pd_actions(self) -> list[tuple[str, str]]:
        return [(e["event_action"], e["dedup_key"]) for e in self.pagerduty]

    def og_actions(self) -> list[tuple[str, str]]:
        return [(c["action"], c["alias"]) for c in self.opsgenie]


def _pagerduty_problem(event: dict[str, Any]) -> str | None:
    """What the Events API v2 would answer 400 for (developer.pagerduty.com, Send an Alert)."""
    if event.get("routing_key") != ROUTING_KEY:
        return "routing_key"
    action = event.get("event_action")
    if action not in ("trigger", "acknowledge", "resolve"):
        return "event_action"
    if action != "trigger":
        return None if isinstance(event.get("dedup_key"), str) else "dedup_key"
    payload = event.get("payload") or {}
    if not 0 < len(str(payload.get("summary", ""))) <= 1024:
        return "payload.summary"
    if not payload.get("source") or payload.get("severity") not in PD_SEVERITIES:
        return "payload.source/severity"
    return None


def _opsgenie_problem(path: str, headers: Any, body: dict[str, Any]) -> str | None:
    """What the Alert API v2 would refuse (docs.opsgenie.com, Alert API)."""
    if headers.get("Authorization") != f"GenieKey {API_KEY}":
        return "Authorization"
    if path == "/v2/alerts":
        if not 0 < len(str(body.get("message", ""))) <= 130 or not body.get("alias"):
            return "message/alias"
        if body.get("priority") not in ("P1", "P2", "P3", "P4", "P5"):
            return "priority"
    return None


@pytest.fixture
def pager(tmp_path, monkeypatch) -> Iterator[Pager]:
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    bundle = tmp_path / "test-ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))  # httpx2 (the PagerDuty client)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))  # requests (Opsgenie)
    state = Pager()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server API
            state.hits += 1
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if state.mode == "fail":
                self._answer(500, {"message": "internal error"})
                return
            body = json.loads(raw)
            url = urllib.parse.urlsplit(self.path)
            if url.path == "/v2/enqueue":
                problem = _pagerduty_problem(body)
                if problem:
                    state.refused.append(f"pagerduty {problem}")
                    self._answer(400, {"status": "invalid event", "errors": [problem]})
                    return
                state.pagerduty.append(body)
                key = body.get("dedup_key") or "generated"
                self._answer(202, {"status": "success", "dedup_key": key})
                return
            if url.path.startswith("/v2/alerts"):
                problem = _opsgenie_problem(url.path, self.headers, body)
                if problem:
                    state.refused.append(f"opsgenie {problem}")
                    self._answer(422, {"message": problem})
                    return
                parts = url.path.split("/")  # /v2/alerts[/<alias>/<action>]
                query = urllib.parse.parse_qs(url.query)
                if len(parts) == 5 and query.get("identifierType") == ["alias"]:
                    call = {"action": parts[4], "alias": urllib.parse.unquote(parts[3])}
                else:
                    call = {"action": "create", "alias": body["alias"]}
                state.opsgenie.append({**call, "body": body})
                self._answer(202, {"result": "Request will be processed", "requestId": "r1"})
                return
            self._answer(404, {})

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    state.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def setup(env, pager, extra: str = "") -> None:
    env.write_config(CONFIG + extra)
    env.monkeypatch.setenv("T_PD_KEY", ROUTING_KEY)
    env.monkeypatch.setenv("T_OG_KEY", API_KEY)
    env.monkeypatch.setenv("T_PAGER_PORT", str(pager.port))


def at(clock, when: str) -> None:
    clock.now = dt.datetime.fromisoformat(when).replace(tzinfo=dt.UTC)


def build(clock, missing: list[str]) -> runner.RunReport:
    as_of = clock.now.strftime("%Y-%m-%d %H:%M:%S")
    return runner.execute(
        RunOptions(command="run", vars={"missing_box": missing, "as_of": as_of}, freshness=False),
        clock=clock,
    )


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipemon.cli", *args], capture_output=True, text=True, timeout=120
    )


def no_secret_stored(env) -> None:
    for table in ("alert_log", "incident_events", "monitor_runs"):
        rows = env.query(f"select * from monitoring.{table}")
        assert rows, table
        text = json.dumps(rows, default=str)
        assert ROUTING_KEY not in text and API_KEY not in text, table


def test_one_dedup_key_from_trigger_through_acknowledge_to_resolve(env, pager, clock):
    setup(env, pager)
    at(clock, "2025-12-02 13:00:00")
    opened = build(clock, ["2025-12-01"])
    assert opened.exit_code == runner.EXIT_FAIL and opened.pending == 0
    (iid,) = {m.incident_id for m in opened.messages}
    assert iid and pager.pd_actions() == [("trigger", iid)]
    assert pager.og_actions() == [("create", iid)]
    trigger = pager.pagerduty[0]["payload"]
    assert trigger["summary"] == "[pipemon ERROR] box scores missing: game_20251201 2025-12-01"
    assert trigger["severity"] == "error" and trigger["source"] == "pipemon"
    assert trigger["component"] == "game_20251201"
    assert f"Incident {iid}" in trigger["custom_details"]["text"]
    created = pager.opsgenie[0]["body"]
    assert created["priority"] == "P2" and created["message"] == trigger["summary"]

    acked = cli("ack", iid, "--for", "2h", "--reason", "rerunning the box scores")
    assert acked.returncode == 0, acked.stderr
    assert "pagers told (pd, og): 2 sent" in acked.stdout
    assert pager.pd_actions()[-1] == ("acknowledge", iid)
    assert pager.og_actions()[-1] == ("acknowledge", iid)
    assert "rerunning the box scores" in pager.opsgenie[-1]["body"]["note"]

    at(clock, "2025-12-02 13:30:00")  # still failing while acknowledged: nothing sent
    build(clock, ["2025-12-01"])
    assert len(pager.pagerduty) == 2 and len(pager.opsgenie) == 2

    at(clock, "2025-12-02 14:00:00")  # the box scores arrived: fixed, resolved once
    fixed = build(clock, [])
    assert fixed.exit_code == runner.EXIT_CLEAR and fixed.resolved == 1
    at(clock, "2025-12-02 15:00:00")
    build(clock, [])
    assert pager.pd_actions() == [("trigger", iid), ("acknowledge", iid), ("resolve", iid)]
    assert pager.og_actions() == [("create", iid), ("acknowledge", iid), ("close", iid)]
    assert pager.refused == []
    for output in (acked.stdout, acked.stderr):
        assert ROUTING_KEY not in output and API_KEY not in output
    no_secret_stored(env)


def alert(clock) -> runner.RunReport:
    return runner.execute(RunOptions(command="alert"), clock=clock)


def test_a_failed_page_stays_pending_and_the_next_run_sends_it_once(env, pager, clock):
    # three incidents and digest_after 1: e-mail would get a digest, a pager never does
    setup(env, pager, "limits: {digest_after: 1}\n")
    pager.mode = "fail"
    first = alert(clock)
    assert first.exit_code == runner.EXIT_MONITOR and first.pending == 6
    assert pager.hits == 6 and pager.pagerduty == [] and pager.opsgenie == []
    errors = env.query(
        "select channel, last_error from monitoring.alert_log where status = 'pending'"
    )
    assert sorted(c for c, _ in errors) == ["og"] * 3 + ["pd"] * 3
    assert all("HTTP 500" in e for _, e in errors)

    pager.mode = "ok"
    clock.advance(5)
    second = alert(clock)
    assert second.pending == 0 and second.exit_code == runner.EXIT_FAIL
    clock.advance(5)
    alert(clock)  # the third occurrence is counted, not sent
    incidents = {r[0] for r in env.query("select incident_id from monitoring.incident_events")}
    assert len(incidents) == 3
    assert sorted(pager.pd_actions()) == sorted(("trigger", i) for i in incidents)
    assert sorted(pager.og_actions()) == sorted(("create", i) for i in incidents)
    assert env.query("select count(*) from monitoring.alert_log where kind = 'digest'") == [(0,)]

    # `pipemon close` while the pager is down: the resolve waits, the next run sends it
    pager.mode = "fail"
    closing = sorted(incidents)[0]
    closed = cli("close", closing, "--reason", "known upstream outage")
    assert closed.returncode == 0, closed.stderr
    assert "2 pending" in closed.stdout
    pager.mode = "ok"
    clock.advance(5)
    alert(clock)
    assert pager.pd_actions()[-1] == ("resolve", closing)
    assert pager.og_actions()[-1] == ("close", closing)
    assert pager.pd_actions().count(("resolve", closing)) == 1
    assert pager.refused == []
    no_secret_stored(env)


def test_a_pager_cannot_take_the_morning_summary(tmp_path):
    path = tmp_path / "alerts.yml"
    path.write_text(
        "channels:\n  pd: {url: 'pagerduty-events://${KEY}@events.pagerduty.com'}\n"
        "default_channels: [pd]\nsummary_channels: [pd]\n"
    )
    with pytest.raises(config.ConfigError, match="pager"):
        config.load(path, env={"KEY": ROUTING_KEY})
