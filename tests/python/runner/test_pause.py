"""`pipemon pause`, `pauses` and `unpause` on a real DuckDB file: exit codes, output, the rows
written, and every refusal saying what was expected."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from pipemon import cli, pauses

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "pause.duckdb"
    duckdb.connect(str(path)).close()
    monkeypatch.setenv("PIPEMON_PROJECT_DIR", str(REPO))
    monkeypatch.setenv("DBT_PROFILES_DIR", str(REPO / "profiles"))
    monkeypatch.setenv("PIPEMON_DUCKDB_PATH", str(path))
    monkeypatch.setenv("PIPEMON_ACTOR", "ana")
    return path


def _today() -> dt.date:
    return pauses.eastern_date(dt.datetime.now(dt.UTC))


def _rows(path: Path) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(
            "select event_type, output_name, reason, actor, first_date, until_date "
            "from monitoring.output_pauses order by occurred_at"
        ).fetchall()
    finally:
        con.close()


def test_a_pause_is_written_with_who_why_from_and_until(
    warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    until = _today() + dt.timedelta(days=5)
    code = cli.main(
        ["pause", "ml_feature_store", "--until", until.isoformat(), "--reason", "rebuild"]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "paused ml_feature_store" in out and f"through {until}" in out and "by ana" in out
    assert _rows(warehouse) == [("paused", "ml_feature_store", "rebuild", "ana", _today(), until)]


def test_a_pause_declared_after_the_fact_covers_the_past_days(
    warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = _today() - dt.timedelta(days=4)
    args = ["pause", "ensemble_v1", "--from", first.isoformat(), "--until", _today().isoformat()]
    assert cli.main([*args, "--reason", "scheduler paused for the cost review"]) == 0
    assert f"from {first}" in capsys.readouterr().out
    assert _rows(warehouse)[0][4:] == (first, _today())


def test_by_names_who_declared_it(warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    until = _today().isoformat()
    assert cli.main(["pause", "xgboost_v1", "--until", until, "--reason", "r", "--by", "bo"]) == 0
    assert _rows(warehouse)[0][3] == "bo"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["pause", "ml_feature_store", "--until", "2099-01-01"], "--reason"),
        (["pause", "ml_feature_store", "--reason", "rebuild"], "--until"),
        (["pause", "ml_feature_store", "--until", "next week", "--reason", "x"], "YYYY-MM-DD"),
        (["pause", "ml_feature_store", "--until", "2026-02-30", "--reason", "x"], "YYYY-MM-DD"),
    ],
)
def test_a_pause_without_a_reason_or_an_end_is_refused(
    warehouse: Path, capsys: pytest.CaptureFixture[str], args: list[str], expected: str
) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(args)
    assert exit_.value.code == 2
    assert expected in capsys.readouterr().err
    assert _rows_or_none(warehouse) == []


def _rows_or_none(path: Path) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        exists = con.execute(
            "select count(*) from duckdb_tables() where table_name = 'output_pauses'"
        ).fetchone()
    finally:
        con.close()
    return _rows(path) if exists and exists[0] else []


@pytest.mark.parametrize(
    ("output", "until", "reason", "expected"),
    [
        ("ml_feature_stor", 3, "rebuild", "unknown output 'ml_feature_stor'"),
        ("ml_feature_store", -1, "rebuild", "is in the past"),
        ("ml_feature_store", 400, "rebuild", "within a year"),
        ("ml_feature_store", 3, "   ", "--reason must say why"),
    ],
)
def test_a_bad_pause_is_refused_with_what_was_expected(
    warehouse: Path,
    capsys: pytest.CaptureFixture[str],
    output: str,
    until: int,
    reason: str,
    expected: str,
) -> None:
    day = (_today() + dt.timedelta(days=until)).isoformat()
    code = cli.main(["pause", output, "--until", day, "--reason", reason])
    err = capsys.readouterr().err
    assert code == 2
    assert expected in err
    assert _rows_or_none(warehouse) == []


@pytest.mark.parametrize(
    ("first", "expected"), [(5, "is after --until"), (-120, "more than 90 days ago")]
)
def test_a_bad_from_is_refused(
    warehouse: Path, capsys: pytest.CaptureFixture[str], first: int, expected: str
) -> None:
    day = (_today() + dt.timedelta(days=first)).isoformat()
    until = (_today() + dt.timedelta(days=2)).isoformat()
    assert cli.main(["pause", "xgboost_v1", "--from", day, "--until", until, "--reason", "x"]) == 2
    assert expected in capsys.readouterr().err
    assert _rows_or_none(warehouse) == []


def test_an_unknown_output_lists_what_is_accepted(
    warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    day = _today().isoformat()
    assert cli.main(["pause", "nope", "--until", day, "--reason", "x"]) == 2
    err = capsys.readouterr().err
    known = pauses.known_outputs(REPO)
    for name in ("ml_feature_store", "xgboost_v1", "nbac_schedule_api", "player_prop_predictions"):
        assert name in known and name in err


def test_pauses_lists_those_in_force_and_unpause_ends_one_early(
    warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    until = (_today() + dt.timedelta(days=3)).isoformat()
    assert cli.main(["pause", "xgboost_v1", "--until", until, "--reason", "retrain"]) == 0
    capsys.readouterr()
    wh = _open()
    try:
        (pause,) = pauses.active(wh, _today())
    finally:
        wh.close()
    assert cli.main(["pauses"]) == 0
    listed = capsys.readouterr().out
    assert pause.pause_id in listed and "xgboost_v1" in listed and "retrain" in listed

    assert cli.main(["unpause", pause.pause_id[:6], "--reason", "retrain done"]) == 0
    assert "judged again" in capsys.readouterr().out
    assert cli.main(["pauses"]) == 0
    assert capsys.readouterr().out.strip() == "no pause in force"
    assert cli.main(["pauses", "--all"]) == 0
    assert "ended early by ana" in capsys.readouterr().out
    # ended twice: refused
    assert cli.main(["unpause", pause.pause_id, "--reason", "again"]) == 2
    assert "already over" in capsys.readouterr().err


def test_unpause_of_no_such_pause_is_refused(
    warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["unpause", "abcd1234", "--reason", "x"]) == 2
    assert "no pause 'abcd1234'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["unpause", "not-hex!", "--reason", "x"])
    assert "hex digits" in capsys.readouterr().err


def test_a_pause_expires_by_itself(warehouse: Path) -> None:
    """Declared long ago with an end already past: no longer in force, still listed."""
    wh = _open()
    try:
        then = dt.datetime(2026, 1, 10, 15, tzinfo=dt.UTC)
        pause = pauses.declare(
            wh,
            "xgboost_v1",
            dt.date(2026, 1, 12),
            "retrain",
            by="ana",
            now=then,
            known=pauses.known_outputs(REPO),
        )
        assert pause.covers(dt.date(2026, 1, 12)) and not pause.covers(dt.date(2026, 1, 13))
        assert pauses.active(wh, dt.date(2026, 1, 12)) == [pause]
        assert pauses.active(wh, dt.date(2026, 1, 13)) == []
        assert [p.pause_id for p in pauses.load(wh)] == [pause.pause_id]
    finally:
        wh.close()


def _open():  # type: ignore[no-untyped-def]
    from pipemon.warehouse import open_warehouse, resolve

    return open_warehouse(resolve(None))
