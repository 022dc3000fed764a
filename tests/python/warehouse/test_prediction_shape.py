"""A model that goes wrong without failing (issue 21): a system still writes a prediction per
player, but their shape is wrong, or a system the registry does not list writes rows.

A short quiet stretch of the 2025-26 season is generated in the real formats, then rewritten the
way the predictions worker would have written it:
- on one date one live system predicts every player about six points under the line, every
  recommendation UNDER (its predictions collapsed: nothing failed, coverage is complete);
- on another date a system absent from the registry (a new model deployed unregistered) writes
  a prediction for every player another system predicted.
The monitor builds the shape mart and its checks: each case is named by its system and date, and
nothing else of the stretch is.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import duckdb
import pytest

from conftest import BuiltSeason
from warehouse.replay import copy_warehouse

START, END = date(2026, 1, 20), date(2026, 1, 23)
COLLAPSED_DAY, COLLAPSED_SYSTEM = "2026-01-21", "catboost_v8"
UNREGISTERED_DAY, UNREGISTERED_SYSTEM, COPIED_FROM = "2026-01-22", "catboost_v13", "moving_average"
CHECKS = ("prediction_system_shape_collapsed", "prediction_system_unregistered")


@pytest.fixture(scope="module")
def shaped(tmp_path_factory: pytest.TempPathFactory) -> BuiltSeason:
    import os

    from pipemon import dbt
    from pipemon.demo import judging_vars
    from pipemon.generator import generate

    base = tmp_path_factory.mktemp("prediction-shape")
    source = base / "generated" / "warehouse.duckdb"
    source.parent.mkdir()
    os.environ["PIPEMON_DUCKDB_PATH"] = str(source)
    generated = generate(source, START, END, seed=7, incidents="none", logs="existing")
    truth: dict[str, Any] = json.loads(generated.truth_path.read_text())
    warehouse = copy_warehouse(source, base)
    con = duckdb.connect(str(warehouse))
    try:
        live = con.execute(
            "select count(*) from nba_predictions.player_prop_predictions "
            "where system_id = ? and game_date = ?",
            [COLLAPSED_SYSTEM, COLLAPSED_DAY],
        ).fetchone()
        assert live and live[0] > 0, f"{COLLAPSED_SYSTEM} wrote nothing on {COLLAPSED_DAY}"
        con.execute(
            """
            update nba_predictions.player_prop_predictions
            set predicted_points = round(current_points_line - 6 + (hash(player_lookup) % 10) / 10.0, 1),
                recommendation = 'UNDER'
            where system_id = ? and game_date = ? and has_prop_line
            """,
            [COLLAPSED_SYSTEM, COLLAPSED_DAY],
        )
        con.execute(
            """
            insert into nba_predictions.player_prop_predictions by name
            select * replace (
                prediction_id || '-unregistered' as prediction_id,
                ? as system_id,
                created_at + interval 30 minute as created_at
            )
            from nba_predictions.player_prop_predictions
            where system_id = ? and game_date = ?
            """,
            [UNREGISTERED_SYSTEM, COPIED_FROM, UNREGISTERED_DAY],
        )
    finally:
        con.close()
    vars_ = judging_vars(truth)
    target = base / "target"
    os.environ["PIPEMON_DUCKDB_PATH"] = str(warehouse)
    outcome = dbt.invoke(
        ["build"],
        target="local",
        vars_=vars_,
        extra=[
            "--full-refresh",
            "--select",
            "+prediction_system_shape",
            "--indirect-selection",
            "cautious",
            "--target-path",
            str(target),
        ],
    )
    assert outcome.exception is None, f"dbt build broke: {outcome.exception}"
    return BuiltSeason(
        warehouse,
        truth,
        json.loads((target / "run_results.json").read_text()),
        json.loads((target / "manifest.json").read_text()),
        {},
    )


def _named(season: BuiltSeason) -> set[tuple[str, str, str]]:
    return {row for row in season.failing_rows() if row[0] in CHECKS}


def test_collapsed_predictions_are_named_by_their_system_and_date(shaped: BuiltSeason) -> None:
    assert ("prediction_system_shape_collapsed", COLLAPSED_DAY, COLLAPSED_SYSTEM) in _named(shaped)
    ((problem, under, edge, peers),) = shaped.query(
        "select shape_problem, under_share, mean_edge, peers_mean_edge "
        "from monitoring.prediction_system_shape "
        f"where game_date = '{COLLAPSED_DAY}' and system_id = '{COLLAPSED_SYSTEM}'"
    )
    assert problem == "edge_far_from_other_systems"
    assert under == 1.0 and edge < peers - 4


def test_a_system_the_registry_does_not_list_is_named_at_once(shaped: BuiltSeason) -> None:
    assert ("prediction_system_unregistered", UNREGISTERED_DAY, UNREGISTERED_SYSTEM) in _named(
        shaped
    )


def test_nothing_else_in_the_stretch_is_named(shaped: BuiltSeason) -> None:
    assert _named(shaped) == {
        ("prediction_system_shape_collapsed", COLLAPSED_DAY, COLLAPSED_SYSTEM),
        ("prediction_system_unregistered", UNREGISTERED_DAY, UNREGISTERED_SYSTEM),
    }
    # the copied system's rows have the shape of the system they came from: only its registration
    # is wrong
    assert not [
        r
        for r in shaped.failing_rows()
        if r[0] == "prediction_system_shape_collapsed" and r[2] == UNREGISTERED_SYSTEM
    ]
    assert shaped.results_with_status("error", "skipped") == []
