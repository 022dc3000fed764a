"""Every model and data test compiles for the real `bigquery` target offline (no credentials, no
network), in full and incremental form, and the compiled SQL parses in the BigQuery dialect with
sqlglot and with sqlfluff. Incremental models read their sources' partition column in incremental
form, so a daily run can prune partitions."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest
import sqlglot
from sqlglot import exp

from bigquery.conftest import OfflineCompiles
from bigquery.projects import NEEDS_WAREHOUSE_TO_COMPILE

pytestmark = pytest.mark.bigquery


def _distinct_sql(compiles: OfflineCompiles) -> dict[str, str]:
    """Each compiled node once, plus the incremental form where it differs from the full one."""
    full, incremental = compiles.sql("full"), compiles.sql("incremental")
    sql = dict(full)
    for unique_id, text in incremental.items():
        if full.get(unique_id) != text:
            sql[f"{unique_id} (incremental)"] = text
    return sql


def test_every_model_and_test_compiles_in_both_forms(offline_compiles: OfflineCompiles) -> None:
    manifest = offline_compiles.manifest()
    expected = {
        uid
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] in ("model", "test")
        and node["name"] != NEEDS_WAREHOUSE_TO_COMPILE
        and node["config"].get("enabled", True)
    }
    for mode in ("full", "incremental"):
        missing = expected - set(offline_compiles.sql(mode))
        assert not missing, f"not compiled ({mode}): {sorted(missing)}"
    incremental_models = [
        uid
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["config"]["materialized"] == "incremental"
    ]
    assert incremental_models
    for uid in incremental_models:
        # the override really switched branches: the full form reads all it reads, the daily
        # (incremental) form rewrites only its dates and never reads the model except for the
        # stored days a baseline or a last row needs
        full, daily = offline_compiles.sql("full")[uid], offline_compiles.sql("incremental")[uid]
        this = manifest["nodes"][uid]["relation_name"]
        assert full != daily, uid
        assert this not in full, uid


def test_compiled_sql_parses_with_sqlglot_bigquery(offline_compiles: OfflineCompiles) -> None:
    failures = {}
    for name, sql in _distinct_sql(offline_compiles).items():
        try:
            statements = [s for s in sqlglot.parse(sql, read="bigquery") if s is not None]
            assert statements, "no statement"
        except Exception as exc:  # noqa: BLE001 - every parse error is reported together
            failures[name] = str(exc)[:300]
    assert not failures, failures


def _sqlfluff_parse(item: tuple[str, str]) -> tuple[str, str | None]:
    import sqlfluff
    from sqlfluff.api.simple import APIParsingError

    name, sql = item
    try:
        sqlfluff.parse(sql, dialect="bigquery")
    except APIParsingError as exc:
        return name, str(exc)[:500]
    return name, None


def test_compiled_sql_parses_with_sqlfluff_bigquery(offline_compiles: OfflineCompiles) -> None:
    items = sorted(_distinct_sql(offline_compiles).items())
    with ProcessPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(_sqlfluff_parse, items, chunksize=8))
    failures = {name: error for name, error in outcomes if error}
    assert not failures, failures


# --- partition pruning ----------------------------------------------------------------------


def _sources_upstream(manifest: dict[str, Any], unique_id: str) -> set[str]:
    found: set[str] = set()
    stack = [unique_id]
    while stack:
        node = manifest["nodes"].get(stack.pop())
        if node is None:
            continue
        for parent in node["depends_on"]["nodes"]:
            if parent.startswith("source."):
                found.add(parent)
            elif parent.startswith("model."):
                stack.append(parent)
    return found


def _names_of(column: str, sql: str) -> set[str]:
    """The column and every alias it is selected under (`check_time as checked_at`)."""
    names = {column}
    for alias in sqlglot.parse_one(sql, read="bigquery").find_all(exp.Alias):
        if isinstance(alias.this, exp.Column) and alias.this.name == column:
            names.add(alias.alias)
    return names


def _filtered_reads(sql: str, relation: str) -> list[set[str]]:
    """For every select reading `relation`: the columns its WHERE bounds from below."""
    table_name = relation.split(".")[-1].strip("`")
    reads = []
    for select in sqlglot.parse_one(sql, read="bigquery").find_all(exp.Select):
        source = select.args.get("from_") or select.args.get("from")
        if source is None or not isinstance(source.this, exp.Table):
            continue
        if source.this.name != table_name:
            continue
        where = select.args.get("where")
        bounded = set()
        if where is not None:
            for comparison in where.find_all(exp.GTE, exp.GT, exp.Between):
                if isinstance(comparison.this, exp.Column):
                    bounded.add(comparison.this.name)
        reads.append(bounded)
    return reads


def test_incremental_models_filter_sources_on_their_partition_column(
    offline_compiles: OfflineCompiles,
) -> None:
    manifest = offline_compiles.manifest()
    incremental_sql = offline_compiles.sql("incremental")
    # the execution facts read staging directly and bound each read by the fact cutoff; the
    # daily marts read the intermediate tables, whose own source scans the prunable-scan test
    # checks (test_prunable_scans.py)
    models = {
        uid: node
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "model"
        and node["config"]["materialized"] == "incremental"
        and node["name"] in ("fct_processor_executions", "fct_scraper_executions")
    }
    assert {node["name"] for node in models.values()} >= {
        "fct_processor_executions",
        "fct_scraper_executions",
    }
    checked = []
    for uid, node in models.items():
        for parent in node["depends_on"]["nodes"]:
            if not parent.startswith("model."):
                continue
            for source_id in sorted(_sources_upstream(manifest, parent)):
                source = manifest["sources"][source_id]
                partition = (source["config"].get("meta") or source["meta"]).get("partition_by")
                if not partition:
                    continue
                parent_node = manifest["nodes"][parent]
                names = _names_of(partition["field"], offline_compiles.sql("full")[parent])
                reads = _filtered_reads(incremental_sql[uid], parent_node["relation_name"])
                assert reads, f"{node['name']} does not read {parent_node['name']}"
                for bounded in reads:
                    assert bounded & names, (
                        f"{node['name']} reads {parent_node['name']} without a lower bound on "
                        f"{source['name']}.{source['identifier']}'s partition column "
                        f"{partition['field']} (known as {sorted(names)}) in incremental form"
                    )
                # and the check tells the forms apart: the full build reads everything
                full_reads = _filtered_reads(
                    offline_compiles.sql("full")[uid], parent_node["relation_name"]
                )
                assert full_reads and not any(bounded & names for bounded in full_reads)
                checked.append((node["name"], parent_node["name"], partition["field"]))
    assert len(checked) >= 3, checked
