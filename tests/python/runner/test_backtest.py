"""`pipemon backtest` on the generated season: the monitor replayed at 08:00 and 14:00 ET day after day,
each moment seeing only the rows written by then, in scratch state. An outage of many days is
one incident, told once when it opens; the live incidents are never touched."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import duckdb
import pytest

from pipemon import backtest, project
from pipemon.cli import main
from warehouse.replay import copy_warehouse

FIRST, LAST = dt.date(2025, 12, 13), dt.date(2025, 12, 15)


def test_a_daily_backtest_tells_each_outage_once(incident_season, tmp_path, monkeypatch, capsys):
    live = copy_warehouse(incident_season.warehouse, tmp_path)
    monkeypatch.setenv("PIPEMON_DUCKDB_PATH", str(live))
    monkeypatch.setenv("PIPEMON_ALERTS_CONFIG", str(tmp_path / "alerts.yml"))
    (tmp_path / "alerts.yml").write_text(
        "channels:\n  local: {url: 'file://" + str(tmp_path / "live.log") + "'}\n"
        "default_channels: [local]\n"
    )
    con = duckdb.connect(str(live))
    before = con.execute("select count(*) from duckdb_tables()").fetchone()
    con.close()

    code = main(
        [
            "backtest",
            "--from", str(FIRST), "--to", str(LAST), "--at", "08:00,14:00",
            "--scratch", str(tmp_path / "scratch"), "--json",
        ]
    )  # fmt: skip
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    incidents = result["incidents"]
    # before incidents spanned dates, every failing (check, target, date) was its own incident
    per_outage = {
        f"{i['check']}: {i['target']}": {"days": i["days"], "messages": i["kinds"]}
        for i in incidents
    }
    # the same moments as before this change: every failing date its own incident
    old = backtest.run(
        FIRST,
        LAST,
        [dt.time(8, 0), dt.time(14, 0)],
        vars_={"incident_clean_days_to_end": 0},
        scratch=tmp_path / "scratch-before",
    )
    print(
        json.dumps(
            {
                "after": {"incidents": len(incidents), "messages": result["total_messages"]},
                "before": {"incidents": len(old.incidents), "messages": old.total},
                "outages": per_outage,
            }
        )
    )
    assert len(old.incidents) > len(incidents) and old.total > result["total_messages"]
    # the causes injected on these days (the season truth), each one outage
    injected = {
        r["kind"]
        for r in incident_season.truth["incidents"]
        if str(FIRST - dt.timedelta(days=3)) <= r["game_date"] <= str(LAST)
    }
    assert injected and len(incidents) <= 2 * len(injected)
    # an outage of several days is one incident holding them all
    assert any(i["days"] >= len(range((LAST - FIRST).days + 1)) for i in incidents)
    # each incident is told once as an alert: its later days are reminders or updates, never a
    # new alert
    alerts = Counter(
        m["incident_id"] for moment in result["moments"] for m in moment["messages"]
        if m["kind"] == "alert"
    )  # fmt: skip
    assert alerts and all(n == 1 for n in alerts.values())
    for i in incidents:
        assert i["first_told"] is not None and i["kinds"][0] == "alert"
    # far fewer messages than one per failing date per day
    assert result["total_messages"] < sum(i["days"] for i in incidents) + len(incidents) * 4
    # the live warehouse: no incident, no message, no table added; nothing sent to its channel
    con = duckdb.connect(str(live))
    try:
        assert con.execute("select count(*) from duckdb_tables()").fetchone() == before
        for (schema,) in con.execute(
            "select schema_name from duckdb_tables() where table_name = 'incident_events'"
        ).fetchall():
            assert con.execute(f"select count(*) from {schema}.incident_events").fetchone() == (0,)
    finally:
        con.close()
    assert not (tmp_path / "live.log").exists()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--from", "2025-12-13", "--to", "12/16"], "expected a date YYYY-MM-DD"),
        (["--from", "2025-12-13", "--to", "2025-12-16", "--at", "8h"], "expected times HH:MM"),
        (["--on", "2025-12-13,13/12"], "expected a date YYYY-MM-DD"),
    ],
)
def test_bad_backtest_arguments_are_refused(args, expected, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["backtest", *args])
    assert stop.value.code == 2 and expected in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], "which dates? --from DATE --to DATE, or --on DATE,DATE,..."),
        (["--from", "2025-12-13"], "which dates?"),
        (["--on", "2025-12-13", "--from", "2025-12-12"], "--on lists the dates itself"),
    ],
)
def test_backtest_without_its_dates_is_refused(args, expected, capsys):
    assert main(["backtest", *args]) == 2
    assert expected in capsys.readouterr().err


def test_sampled_days_are_replayed_in_order_at_each_time():
    zone = project.pipeline_zone()
    days = [dt.date(2026, 2, 15), dt.date(2025, 10, 5)]
    at = backtest.moments(min(days), max(days), [dt.time(14, 0), dt.time(3, 30)], zone, days=days)
    local = [m.astimezone(zone).strftime("%m-%d %H:%M") for m in at]
    assert local == ["10-05 03:30", "10-05 14:00", "02-15 03:30", "02-15 14:00"]


def test_backtest_moments_follow_the_pipeline_time_zone():
    zone = project.pipeline_zone()
    at = backtest.moments(dt.date(2026, 3, 7), dt.date(2026, 3, 8), [dt.time(8, 0)], zone)
    # 08:00 ET is 13:00 UTC before the switch to daylight time and 12:00 UTC after it
    assert [m.hour for m in at] == [13, 12]


def test_a_daily_backtest_of_a_clean_history_says_nothing(clean_season, tmp_path, monkeypatch):
    """Quiet proven the way the monitor runs: each morning and afternoon on one warehouse, seeing
    only the rows written by then."""
    live = copy_warehouse(clean_season.warehouse, tmp_path)
    monkeypatch.setenv("PIPEMON_DUCKDB_PATH", str(live))
    result = backtest.run(
        FIRST,
        FIRST + dt.timedelta(days=2),
        [dt.time(8, 0), dt.time(14, 0)],
        scratch=tmp_path / "scratch",
    )
    assert len(result.moments) == 6
    assert [m.exit_code for m in result.moments] == [0] * 6, [m.findings for m in result.moments]
    assert result.total == 0 and result.incidents == []
