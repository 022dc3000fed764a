"""Offline checks of the generated provisioning (no Grafana server runs here).

1. Every dashboard JSON loads back through the SDK (`Dashboard.from_json`) into BigQuery
   queries, and encodes to the same JSON; alert rules and the contact point load back too.
2. Every SQL (panels and alert rules), with its time macros expanded exactly as the BigQuery
   data source expands them for a fixed range, parses with sqlglot in the BigQuery dialect,
   reads only marts and only columns the dbt manifest lists for them.
3. Transpiled to DuckDB (sqlglot) with `${dataset}` pointing at the marts' DuckDB schema, it
   runs on the warehouse and returns rows.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

TIME_FILTER = re.compile(r"\$__timeFilter\(([^()]*(?:\([^()]*\))?[^()]*)\)")
TIME_GROUP = re.compile(r"\$__timeGroup\(([^,()]*(?:\([^()]*\))?[^,()]*),\s*'?(\w+)'?\)")
UNITS_MS = {"s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}


@dataclass
class Found:
    """One SQL found in the provisioning, with where it was."""

    where: str
    sql: str


@dataclass
class Report:
    queries: list[Found] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def expand_macros(sql: str, start: datetime, end: datetime) -> str:
    """The BigQuery data source's macros (grafana/sqlds + the plugin's $__timeGroup)."""
    since = start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    until = end.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    sql = TIME_FILTER.sub(lambda m: f"{m[1]} >= '{since}' AND {m[1]} <= '{until}'", sql)

    def group(m: re.Match[str]) -> str:
        number, unit = re.fullmatch(r"(\d+)([smhd])", m[2]).groups()  # type: ignore[union-attr]
        ms = int(number) * UNITS_MS[unit]
        return f"TIMESTAMP_MILLIS(DIV(UNIX_MILLIS({m[1]}), {ms}) * {ms})"

    sql = TIME_GROUP.sub(group, sql)
    if "$__" in sql:
        raise ValueError(f"a macro this check does not know: {sql[sql.index('$__') :][:40]}")
    return sql


def load_back(out_dir: Path) -> list[Found]:
    """Load every generated file through the SDK; return every SQL in it."""
    from grafana_foundation_sdk.cog import plugins
    from grafana_foundation_sdk.models import alerting as alm
    from grafana_foundation_sdk.models import bigquery as bqm
    from grafana_foundation_sdk.models import dashboard as dm

    from pipemon.grafana.provisioning import to_json

    plugins.register_default_plugins()
    found: list[Found] = []
    boards = sorted((out_dir / "dashboards").glob("*.json"))
    if not boards:
        raise ValueError(f"no dashboards in {out_dir / 'dashboards'}")
    for path in boards:
        raw = json.loads(path.read_text())
        board = dm.Dashboard.from_json(raw)
        if to_json(board) != raw:
            raise ValueError(f"{path.name} does not encode back to itself through the SDK")
        for panel in board.panels or []:
            assert isinstance(panel, dm.Panel), f"{path.name}: unexpected {type(panel)}"
            for t in panel.targets or []:
                if not isinstance(t, bqm.Dataquery) or not t.raw_sql:
                    raise ValueError(f"{path.name} '{panel.title}': not a BigQuery SQL query")
                found.append(Found(f"{path.stem} / {panel.title} / {t.ref_id}", t.raw_sql))
    rules = yaml.safe_load((out_dir / "provisioning/alerting/pipemon-rules.yaml").read_text())
    for group in rules["groups"]:
        for r in group["rules"]:
            rule = alm.Rule.from_json(r)
            for q in rule.data or []:
                if q.datasource_uid == "__expr__":
                    continue
                if not isinstance(q.model, bqm.Dataquery) or not q.model.raw_sql:
                    raise ValueError(f"alert rule {rule.title}: {q.ref_id} is not BigQuery SQL")
                found.append(Found(f"alert rule / {rule.title} / {q.ref_id}", q.model.raw_sql))
    points = yaml.safe_load(
        (out_dir / "provisioning/alerting/pipemon-contact-points.yaml").read_text()
    )
    for point in points["contactPoints"]:
        for receiver in point["receivers"]:
            alm.ContactPoint.from_json({**receiver, "name": point["name"]})
    return found


def mart_columns(manifest: dict[str, Any]) -> tuple[dict[str, set[str]], str]:
    """Columns of every mart as dbt resolved them, and the schema the marts are built in."""
    columns: dict[str, set[str]] = {}
    schemas = set()
    for node in manifest["nodes"].values():
        if node["resource_type"] == "model" and "/marts/" in "/" + node["original_file_path"]:
            columns[node["name"]] = set(node.get("columns") or {})
            schemas.add(node["schema"])
    if len(schemas) != 1:
        raise ValueError(f"the marts live in several schemas: {sorted(schemas)}")
    return columns, schemas.pop()


def check_sql(sql: str, columns: dict[str, set[str]]) -> list[str]:
    """Problems of one expanded BigQuery SQL: parse errors, unknown marts or columns."""
    import sqlglot
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(sql, read="bigquery")
    except sqlglot.errors.ParseError as exc:
        return [f"does not parse as BigQuery SQL: {str(exc).splitlines()[0]}"]
    ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
    tables = {t.name for t in tree.find_all(exp.Table)} - ctes
    problems = [f"reads {t}, which is not a mart" for t in sorted(tables - set(columns))]
    known = set().union(*(columns.get(t, set()) for t in tables))
    defined = {a.alias for a in tree.find_all(exp.Alias)} | ctes
    for col in tree.find_all(exp.Column):
        if col.name not in known and col.name not in defined:
            problems.append(f"column {col.sql()} is in none of {sorted(tables)}")
    empty = sorted(t for t in tables if t in columns and not columns[t])
    problems += [f"the manifest lists no columns for {t}" for t in empty]
    return problems


def dataset_of(out_dir: Path) -> str:
    """The monitoring dataset the files were generated for (the dashboards' constant)."""
    board = json.loads(next((out_dir / "dashboards").glob("*.json")).read_text())
    for variable in board["templating"]["list"]:
        if variable["name"] == "dataset":
            return str(variable["query"])
    raise ValueError("the dashboards have no `dataset` variable")


def point_at(sql: str, dataset: str, schema: str) -> str:
    """`${dataset}.x` (panels) and `<dataset>.x` (alert rules) read `<schema>.x` instead."""
    sql = sql.replace("${dataset}.", f"{schema}.")
    return re.sub(rf"\b{re.escape(dataset)}\.", f"{schema}.", sql)


def run_on_duckdb(sql: str, con: Any) -> int:
    import sqlglot

    duck = sqlglot.transpile(sql, read="bigquery", write="duckdb")
    return len(con.execute(duck[0]).fetchall())


def verify(
    out_dir: Path, manifest: dict[str, Any], con: Any, start: datetime, end: datetime
) -> Report:
    report = Report(load_back(out_dir))
    columns, schema = mart_columns(manifest)
    dataset = dataset_of(out_dir)
    for found in report.queries:
        try:
            sql = point_at(expand_macros(found.sql, start, end), dataset, schema)
        except ValueError as exc:
            report.problems.append(f"{found.where}: {exc}")
            continue
        problems = check_sql(sql, columns)
        report.problems += [f"{found.where}: {p}" for p in problems]
        if problems:
            continue
        try:
            rows = run_on_duckdb(sql, con)
        except Exception as exc:  # duckdb raises its own error classes
            report.problems.append(f"{found.where}: fails on DuckDB: {str(exc).splitlines()[0]}")
            continue
        report.rows[found.where] = rows
        if rows == 0:
            report.problems.append(f"{found.where}: returns no rows for {start} .. {end}")
    return report
