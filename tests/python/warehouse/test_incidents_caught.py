"""The validation tests against ground truth: every injected incident caught, no false alert,
and a season without incidents completely quiet."""

from __future__ import annotations

import pytest


def _truth_keys(season) -> set[tuple[str, str]]:
    return {(r["game_date"], r["target"]) for r in season.truth["incidents"]}


def test_every_injected_incident_is_caught(incident_season) -> None:
    caught = {(date, target) for _, date, target in incident_season.failing_rows()}
    primary = [r for r in incident_season.truth["incidents"] if not r.get("consequence")]
    missed = [r for r in primary if (r["game_date"], r["target"]) not in caught]
    recall = 1 - len(missed) / len(primary)
    print(
        f"\nrecall: {len(primary) - len(missed)}/{len(primary)} injected incidents caught ({recall:.0%})"
    )
    assert not missed, f"incidents no test caught: {missed}"


def test_every_failing_row_is_an_injected_incident_or_its_consequence(incident_season) -> None:
    truth = _truth_keys(incident_season)
    rows = incident_season.failing_rows()
    false_alerts = [row for row in rows if (row[1], row[2]) not in truth]
    print(f"\nfailing rows: {len(rows)}, false alerts: {len(false_alerts)}")
    assert not false_alerts, f"failing rows with no incident behind them: {false_alerts}"


def test_each_incident_kind_has_its_own_test(incident_season) -> None:
    by_kind: dict[str, set[str]] = {}
    truth = {(r["game_date"], r["target"]): r["kind"] for r in incident_season.truth["incidents"]}
    for test, date, target in incident_season.failing_rows():
        by_kind.setdefault(truth[(date, target)], set()).add(test)
    assert set(by_kind) == {r["kind"] for r in incident_season.truth["incidents"]}


def test_no_errors_in_the_build(incident_season) -> None:
    assert incident_season.results_with_status("error", "skipped") == []


def test_clean_season_is_completely_quiet(clean_season) -> None:
    noisy = [
        (r["unique_id"], r["status"], r.get("failures"))
        for r in clean_season.results_with_status("fail", "warn", "error", "skipped")
    ]
    print(f"\nclean season: {len(noisy)} failing or warning tests")
    assert noisy == []


def test_clean_season_covers_the_hard_days(clean_season) -> None:
    statuses = dict(
        clean_season.query(
            "select cast(game_date as varchar), overall_status from monitoring.daily_pipeline_health"
        )
    )
    assert statuses["2025-11-27"] == "NO_GAMES"  # Thanksgiving
    assert statuses["2025-12-24"] == "NO_GAMES"  # Christmas Eve
    assert all(statuses[f"2026-02-{d}"] == "NO_GAMES" for d in range(13, 19))  # All-Star break
    assert statuses["2025-10-21"] == "BOOTSTRAP"
    assert statuses["2026-04-12"] == "IN_PROGRESS"  # today's games are not final yet
    assert set(statuses.values()) == {"NO_GAMES", "BOOTSTRAP", "COMPLETE", "IN_PROGRESS"}
    (one_game_days,) = clean_season.query(
        "select count(*) from monitoring.daily_pipeline_health where games_scheduled = 1"
    )[0]
    assert one_game_days >= 1


@pytest.mark.parametrize("status", ["PARTIAL", "INCOMPLETE"])
def test_incident_dates_are_not_complete(incident_season, status) -> None:
    dates = {
        d
        for (d,) in incident_season.query(
            "select cast(game_date as varchar) from monitoring.daily_pipeline_health "
            f"where overall_status = '{status}'"
        )
    }
    truth_dates = {r["game_date"] for r in incident_season.truth["incidents"]}
    assert dates <= truth_dates
