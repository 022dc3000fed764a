"""Every scan of a contract source table in the daily run (the BigQuery offline compile,
incremental form) carries a constant bound on the table's partition column, and reads no more
than MAX_DAYS_PER_DAILY_SCAN days; the scans that do not yet are listed, with a reason, in
prunable_scan_exceptions.yml, and a listed scan that has been fixed fails until it is removed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bigquery.conftest import OfflineCompiles
from pipemon import pruning

pytestmark = pytest.mark.bigquery

EXCEPTIONS = Path(__file__).with_name("prunable_scan_exceptions.yml")
# The run judges monitor_lookback_days (3) plus the open incidents' dates: a month is room.
MAX_DAYS_PER_DAILY_SCAN = 31

SOURCES = {
    "orchestration.scraper_execution_log": "triggered_at",
    "predictions.player_prop_predictions": "game_date",
}


def _manifest() -> dict[str, Any]:
    """A one-query manifest over two partitioned sources and a view (for the analyser's rules)."""

    def source(name: str, field: str) -> dict[str, Any]:
        src, table = name.split(".")
        return {
            "source_name": src,
            "name": table,
            "relation_name": f"`p`.`nba_{src}`.`{table}`",
            "config": {"meta": {"contract": True, "partition_by": {"field": field}}},
        }

    return {
        "sources": {f"source.pipemon.{n}": source(n, f) for n, f in SOURCES.items()},
        "nodes": {
            "model.pipemon.q": {
                "resource_type": "model",
                "name": "q",
                "config": {"materialized": "table"},
                "relation_name": "`p`.`m`.`q`",
            },
            "model.pipemon.v": {
                "resource_type": "model",
                "name": "v",
                "config": {"materialized": "view"},
                "relation_name": "`p`.`m`.`v`",
            },
        },
    }


@pytest.mark.parametrize(
    ("where", "bounded", "days"),
    [
        ("where triggered_at >= timestamp('2026-04-10 00:00:00')", True, 3),
        ("where date(t.triggered_at) between date '2026-04-01' and date '2026-04-12'", True, 12),
        ("where triggered_at > timestamp_sub(current_timestamp(), interval 1 day)", True, None),
        ("where triggered_at >= (select max(triggered_at) from `p`.`m`.`q`)", False, None),
        ("where triggered_at >= completed_at", False, None),
        ("where status = 'failed' or triggered_at >= timestamp('2026-04-10')", False, None),
        ("", False, None),
    ],
)
def test_the_analyser_tells_a_constant_bound_from_a_subquery(
    where: str, bounded: bool, days: int | None
) -> None:
    view = f"select * from `p`.`nba_orchestration`.`scraper_execution_log` as t {where}"
    manifest = _manifest()
    compiled = {
        "model.pipemon.v": view,
        # the query reads the view (expanded) and a source directly, with a literal bound
        "model.pipemon.q": "select * from `p`.`m`.`v` join `p`.`nba_predictions`."
        "`player_prop_predictions` as p using (game_id) where p.game_date = date '2026-04-12'",
    }
    found = pruning.scans(manifest, compiled, as_of="2026-04-12 18:00:00")
    by_source = {s.source: s for s in found}
    assert set(by_source) == set(SOURCES) and len(found) == 2
    scraper = by_source["orchestration.scraper_execution_log"]
    assert (scraper.query, scraper.bounded) == ("q", bounded), scraper
    if days is not None:
        assert scraper.days == days
    if not bounded:
        assert scraper.reason.startswith("not yet bounded: ")
    predictions = by_source["predictions.player_prop_predictions"]
    assert predictions.bounded and predictions.days == 1


def test_daily_run_scans_are_bounded_or_excused(offline_compiles: OfflineCompiles) -> None:
    manifest = offline_compiles.manifest()
    found = pruning.scans(manifest, offline_compiles.sql("incremental"))
    rows = pruning.summarize(found)
    # the analysis sees the daily run: every partitioned contract source is read
    contract = {name for name, _ in pruning.contract_sources(manifest).values()}
    assert len(contract) >= 10
    assert {source for _, source, *_ in rows} == contract
    incremental = {(q, s) for q, s, resource, *_ in rows if resource == "incremental"}
    assert ("fct_scraper_executions", "orchestration.scraper_execution_log") in incremental

    excused = yaml.safe_load(EXCEPTIONS.read_text())
    unbounded = {(q, s): detail for q, s, _, n, b, _, detail in rows if b < n}
    wide = {
        (q, s): days
        for q, s, _, n, b, days, _ in rows
        if b == n and (days is None or days > MAX_DAYS_PER_DAILY_SCAN)
    }
    for name, offenders in (("unbounded", unbounded), ("wide", wide)):
        listed = {(q, s) for q, sources in (excused[name] or {}).items() for s in sources}
        for (q, s), reason in _reasons(excused[name] or {}):
            assert reason.startswith("not yet bounded"), (name, q, s, reason)
        new = sorted(set(offenders) - listed)
        assert not new, f"{name} scans not in {EXCEPTIONS.name}: " + "; ".join(
            f"{q} reads {s} ({offenders[(q, s)]})" for q, s in new
        )
        fixed = sorted(listed - set(offenders))
        assert not fixed, f"{EXCEPTIONS.name} {name} entries that excuse nothing now: {fixed}"


def _reasons(section: dict[str, dict[str, str]]) -> list[tuple[tuple[str, str], str]]:
    return [((q, s), reason) for q, sources in section.items() for s, reason in sources.items()]
