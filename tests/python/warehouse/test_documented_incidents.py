"""The pipeline's documented incidents (REAL_PIPELINE.md section 4), on the generated 2025-26
season: each caught by a daily check that names its cause (processor, scraper, table or game)
and date, the props-window false alarm of 2026-01-26 not raised, and the season sweep listing
exactly the injected gaps, as ranges."""

from __future__ import annotations

import json
import os
import shutil
from collections import defaultdict
from datetime import date

import pytest

from pipemon.generator.incidents import DOCUMENTED, KINDS, NON_ALERTS
from session_cache import parsed_manifest

PROPS = "nba_raw.bettingpros_player_points_props"


def _daily_tests(season) -> set[str]:
    """Tests of the daily build (the sweep's test is enabled only in a sweep)."""
    return {
        node["name"]
        for node in season.manifest["nodes"].values()
        if node["resource_type"] == "test" and "sweep" not in node.get("tags", [])
    }


def test_every_documented_incident_is_caught_naming_its_cause(incident_season) -> None:
    daily = _daily_tests(incident_season)
    caught: dict[tuple[str, str], set[str]] = defaultdict(set)
    for test, day, target in incident_season.failing_rows():
        caught[(day, target)].add(test)
    lines, missed = [], []
    for kind in DOCUMENTED:
        if kind.kind in NON_ALERTS:
            continue
        primary = [
            r
            for r in incident_season.truth["incidents"]
            if r["kind"] == kind.kind and not r.get("consequence")
        ]
        assert primary, f"{kind.kind} was not injected"
        hit = [r for r in primary if caught[(r["game_date"], r["target"])] & daily]
        missed += [r for r in primary if r not in hit]
        tests = sorted({t for r in hit for t in caught[(r["game_date"], r["target"])]})
        lines.append(f"{kind.kind}: {len(hit)}/{len(primary)} by {', '.join(tests)}")
    print("\n" + "\n".join(lines))
    assert not missed, f"documented incidents no daily check caught: {missed}"


def test_documented_incidents_keep_their_postmortem_and_real_dates(incident_season) -> None:
    for record in incident_season.truth["incidents"]:
        kind = KINDS[record["kind"]]
        if not kind.documented:
            assert "postmortem" not in record
            continue
        assert record["postmortem"] == kind.postmortem
        assert kind.first is not None and kind.last is not None
        assert kind.first <= date.fromisoformat(record["game_date"]) <= kind.last
    assert len(DOCUMENTED) == 15
    assert all(k.postmortem and k.postmortem.startswith("docs/") for k in DOCUMENTED)


def test_the_props_window_false_alarm_is_not_raised(incident_season, tmp_path) -> None:
    """2026-01-26 at noon ET: the evening games' props were not collected yet because the
    betting_lines window opens 6 h before the first tip. The monitor, judging as of then, must
    not call them missing; by the next morning it judges them (and they arrived)."""
    (false_alarm,) = incident_season.truth["non_alerts"]
    assert false_alarm["game_date"] == "2026-01-26" and false_alarm["target"] == PROPS
    assert ("2026-01-26", PROPS) not in {(d, t) for _, d, t in incident_season.failing_rows()}

    from pipemon import dbt

    # the season's file name: the session's parse of the project serves this build
    copy = tmp_path / incident_season.warehouse.name
    shutil.copy(incident_season.warehouse, copy)
    os.environ["PIPEMON_DUCKDB_PATH"] = str(copy)
    as_of = "2026-01-26 17:00:00"  # 12:00 ET
    target = tmp_path / "target"
    vars_ = {"as_of": as_of, "monitor_lookback_days": 3, "season_opening_date": "2025-10-21"}
    outcome = dbt.invoke(
        ["build"],
        target="local",
        vars_=vars_,
        extra=[
            "--select",
            "+daily_output_volume +game_data_coverage",
            "--target-path",
            str(target),
        ],
        manifest=parsed_manifest(copy, vars_),
    )
    assert outcome.exception is None
    season = type(incident_season)(copy, incident_season.truth, *_results(target), {})
    con = season.connect()
    try:
        (collected,) = con.execute(
            "select count(*) from nba_raw.bettingpros_player_points_props "
            f"where game_date = '2026-01-26' and created_at <= '{as_of}'"
        ).fetchone()
        due = dict(
            con.execute(
                "select cast(game_date as varchar), games_due from monitoring.daily_output_volume "
                f"where output_table = '{PROPS}' and game_date between '2026-01-24' and '2026-01-26'"
            ).fetchall()
        )
    finally:
        con.close()
    assert collected == 0  # nothing collected yet: what the team saw that morning
    assert due["2026-01-26"] == 0  # no game's window has closed: nothing is due
    assert due["2026-01-25"] > 0  # the day before is judged
    raised = {(d, t) for _, d, t in season.failing_rows()}
    assert ("2026-01-26", PROPS) not in raised


def _results(target) -> tuple[dict, dict]:
    return (
        json.loads((target / "run_results.json").read_text()),
        json.loads((target / "manifest.json").read_text()),
    )


def _game_days(season) -> list[str]:
    return [
        d
        for (d,) in season.query(
            "select cast(calendar_date as varchar) from monitoring_intermediate.int_calendar_dates "
            "where is_game_day order by 1"
        )
    ]


def _ranges(gaps: list[dict[str, str]], game_days: list[str]) -> set[tuple[str, str, str]]:
    """The truth's (table, date) gaps collapsed over consecutive game days."""
    index = {d: n for n, d in enumerate(game_days)}
    out: set[tuple[str, str, str]] = set()
    by_table: dict[str, list[str]] = defaultdict(list)
    for gap in gaps:
        by_table[gap["table"]].append(gap["game_date"])
    for table, days in by_table.items():
        days.sort()
        first = prev = days[0]
        for day in days[1:]:
            if index[day] != index[prev] + 1:
                out.add((table, first, prev))
                first = day
            prev = day
        out.add((table, first, prev))
    return out


def test_the_season_sweep_lists_exactly_the_injected_gaps_as_ranges(incident_season) -> None:
    expected = _ranges(incident_season.truth["gaps"], _game_days(incident_season))
    found = set(
        incident_season.query(
            "select gap_table, cast(first_gap_date as varchar), cast(last_gap_date as varchar) "
            "from monitoring.season_gap_ranges"
        )
    )
    print(f"\nseason sweep: {len(found)} ranges, {len(expected)} injected")
    assert found == expected
    assert any(first != last for _, first, last in found)  # ranges, not one row per day


@pytest.mark.parametrize("fixture", ["clean_season", "existing_clean_season"])
def test_the_clean_season_sweep_finds_nothing(fixture, request) -> None:
    season = request.getfixturevalue(fixture)
    assert season.query("select count(*) from monitoring.season_gap_ranges") == [(0,)]


def test_pipemon_sweep_prints_one_digest(incident_season, capsys, monkeypatch) -> None:
    from pipemon import cli

    monkeypatch.setenv("PIPEMON_DUCKDB_PATH", str(incident_season.warehouse))
    code = cli.main(["sweep", "--no-build", "--as-of", incident_season.truth["as_of"]])
    out = capsys.readouterr().out
    assert code == 1
    assert out.count("pipemon season sweep") == 1
    assert "    2025-10-22 .. 2025-12-19" in out  # the prop data gap, as one range
    assert PROPS in out and "nba_orchestration.scraper_execution_log" in out
