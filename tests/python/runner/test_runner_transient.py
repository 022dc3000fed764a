"""Transient warehouse errors are retried, not reported: a real dbt build on DuckDB whose model
attaches a second DuckDB file that another process holds locked. The first attempt fails with
DuckDB's "Could not set lock on file ... Conflicting lock is held"; the holder lets go once it
sees that error in run_results.json; the runner's `dbt retry` reruns the failed and skipped
nodes and the run is clear, with the retry recorded. A non-transient error is not retried."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import duckdb
import pytest

from pipemon import runner
from pipemon.runner import RunOptions, build

CONFIG = """
channels:
  local: {url: "file://${T_ALERT_FILE}"}
default_channels: [local]
transient_retry_seconds: 1
"""
MACRO = """
{% macro attach_side() %}
attach if not exists '{{ env_var("T_SIDE_DB") }}' as side (read_only)
{% endmacro %}
"""
MODEL = """
{{ config(materialized='table', pre_hook="{{ attach_side() }}") }}
select count(*) as side_rows from side.main.box_scores
"""
# holds the side file's lock until the build's run_results.json shows the lock error
HOLDER = textwrap.dedent(
    """
    import pathlib, sys, time
    import duckdb
    con = duckdb.connect(sys.argv[1])
    print("locked", flush=True)
    results = pathlib.Path(sys.argv[2])
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if "Conflicting lock" in results.read_text():
                break
        except OSError:
            pass
        time.sleep(0.05)
    con.close()
    print("released", flush=True)
    """
)


@pytest.fixture
def side(env, tmp_path):
    """The fixture project plus a model reading a second DuckDB file (3 rows)."""
    path = tmp_path / "side.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create table box_scores as select range as id from range(3)")
    con.close()
    (env.project / "macros" / "attach_side.sql").write_text(MACRO)
    (env.project / "models" / "side_rows.sql").write_text(MODEL)
    env.write_config(CONFIG)
    env.monkeypatch.setenv("T_SIDE_DB", str(path))
    env.monkeypatch.setenv("T_ALERT_FILE", str(tmp_path / "alerts.log"))
    return path


def run(clock) -> runner.RunReport:
    as_of = clock.now.strftime("%Y-%m-%d %H:%M:%S")
    return runner.execute(
        RunOptions(command="run", vars={"as_of": as_of}, freshness=False), clock=clock
    )


def test_a_lock_held_by_another_process_is_retried_not_reported(env, side, clock):
    results = env.project / "target" / "run_results.json"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(side), str(results)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        report = run(clock)
        assert holder.wait(timeout=60) == 0
    finally:
        holder.kill()
    assert holder.stdout.read().strip() == "released"  # it let go after the first attempt
    assert report.exit_code == runner.EXIT_CLEAR, [f.description for f in report.findings]
    assert report.findings == []
    assert any("dbt retry reran" in n and "Could not set lock" in n for n in report.notes)
    (row,) = env.query(
        "select dbt_retried_nodes, dbt_retry_reason, outcome from monitoring.monitor_runs"
    )
    assert row[0] >= 1 and "Conflicting lock is held" in row[1] and row[2] == "clear"
    assert env.query("select side_rows from monitoring.side_rows") == [(3,)]
    # the build's results, completed by the retry's, are what `pipemon alert` reads next
    merged = json.loads(results.read_text())
    statuses = {r["unique_id"]: r["status"] for r in merged["results"]}
    assert statuses["model.pipemon_fixture.side_rows"] == "success"
    assert "model.pipemon_fixture.fixture_values" in statuses
    assert merged["args"]["which"] == "build"
    clock.advance(5)
    assert runner.execute(RunOptions(command="alert"), clock=clock).exit_code == 0


def test_a_non_transient_error_is_not_retried(env, side, clock):
    side.unlink()  # the attach now fails for good: the file does not exist
    report = run(clock)
    assert report.exit_code == runner.EXIT_MONITOR
    assert any("side_rows" in f.check_name for f in report.findings)
    assert not any("dbt retry" in n for n in report.notes)
    assert env.query("select dbt_retried_nodes, dbt_retry_reason from monitoring.monitor_runs") == [
        (None, None)
    ]


@pytest.mark.parametrize(
    ("message", "transient"),
    [
        ("Runtime Error: 503 POST https://bigquery.googleapis.com/...: Service Unavailable", True),
        (
            "Database Error: Exceeded rate limits: too many table update operations "
            "(reason: rateLimitExceeded)",
            True,
        ),
        ("Error encountered during execution. Retrying may solve the problem. backendError", True),
        ('IO Error: Could not set lock on file "w.duckdb": Conflicting lock is held in x', True),
        (
            "Quota exceeded: Your project exceeded quota for free query bytes scanned "
            "(reason: quotaExceeded)",
            False,
        ),
        ("Binder Error: Referenced column v500 not found", False),
        ("Parser Error: syntax error at or near 503", False),
    ],
)
def test_which_errors_are_transient(message, transient):
    results = {"results": [{"unique_id": "model.x.a", "status": "error", "message": message}]}
    assert (build.transient_error(results, None) is not None) is transient
    mixed = {"results": [*results["results"], {"status": "error", "message": "Binder Error"}]}
    assert build.transient_error(mixed, None) is None  # one real error: no retry
