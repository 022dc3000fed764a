"""Which queries of the daily run scan a contract source table, and whether each scan carries a
date bound BigQuery can prune partitions with.

Read from a compile of the project for the `bigquery` target (incremental form): every node the
daily `dbt build` runs as a query (tables, incremental models, data tests; views are only DDL),
with the views it reads expanded in place, as BigQuery expands them at query time. A scan of a
source is *bounded* when the select that reads the table filters its partition column (bare or
under `date()`, `cast()`, `timestamp_trunc()`) against a constant: literals and functions of
literals or of the query's start time (`current_timestamp()`), never a column or a subquery.
A bound in an outer query that BigQuery may push down into the view is not counted: pruning is
only certain at the scan.

A measurement for the tests and `make bench`, not used by the runner: it needs sqlglot, which
only the `dev` extra installs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import sqlglot
from sqlglot import exp

BOUND_COMPARISONS = (exp.GT, exp.GTE, exp.LT, exp.LTE, exp.EQ, exp.Between, exp.In)
WRAPPERS = (exp.Cast, exp.TryCast, exp.Date, exp.TimestampTrunc, exp.DateTrunc, exp.TsOrDsToDate)
NOW_FUNCTIONS = (exp.CurrentTimestamp, exp.CurrentDate, exp.CurrentDatetime, exp.CurrentTime)


@dataclass(frozen=True)
class Scan:
    """One read of a contract source table inside one query of the daily run."""

    query: str  # the node's name (a model or a data test)
    resource: str  # model materialization or "test"
    source: str  # `<source>.<table>`
    column: str  # the table's partition column
    bound: str | None  # the bounding predicates, SQL, `and`-joined; None when unbounded
    reason: str  # why it is (not) bounded, one line
    days: int | None = None  # days from the lower bound to as_of's date, when evaluable

    @property
    def bounded(self) -> bool:
        return self.bound is not None


def _key(table: exp.Table) -> tuple[str, str]:
    return (table.db.lower(), table.name.lower())


def _relation_key(relation: str) -> tuple[str, str]:
    parts = [p.strip('`"') for p in relation.split(".")]
    return (parts[-2].lower(), parts[-1].lower())


def contract_sources(manifest: Mapping[str, Any]) -> dict[tuple[str, str], tuple[str, str]]:
    """(dataset, table) -> (`source.table`, partition column) of every partitioned contract source."""
    found = {}
    for source in manifest["sources"].values():
        meta = (source.get("config") or {}).get("meta") or source.get("meta") or {}
        partition = meta.get("partition_by") or {}
        if meta.get("contract") and partition.get("field"):
            found[_relation_key(source["relation_name"])] = (
                f"{source['source_name']}.{source['name']}",
                str(partition["field"]),
            )
    return found


def daily_queries(manifest: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """unique_id -> (name, resource) of every node the daily build runs as a query."""
    queries = {}
    for uid, node in manifest["nodes"].items():
        if not node["config"].get("enabled", True):
            continue
        if node["resource_type"] == "test":
            queries[uid] = (node["name"], "test")
        elif node["resource_type"] == "model":
            materialized = node["config"]["materialized"]
            if materialized in ("table", "incremental"):
                queries[uid] = (node["name"], materialized)
    return queries


def _columns_named(node: exp.Expr, column: str, alias: str) -> bool:
    """Whether `node` is the partition column of the scanned table, possibly wrapped."""
    while isinstance(node, (*WRAPPERS, exp.Paren)):
        node = node.this
    if not isinstance(node, exp.Column) or node.name.lower() != column.lower():
        return False
    return node.table in ("", alias)


def _constant(node: exp.Expr) -> bool:
    """Literals and functions of literals or of the query's start time: no column, no subquery."""
    return not any(isinstance(part, (exp.Column, exp.Query)) for part in node.walk())


def _conjuncts(where: exp.Expr) -> Iterator[exp.Expr]:
    if isinstance(where, exp.And):
        yield from _conjuncts(where.left)
        yield from _conjuncts(where.right)
    elif isinstance(where, exp.Paren):
        yield from _conjuncts(where.this)
    else:
        yield where


def _bound(select: exp.Select, column: str, alias: str) -> tuple[str | None, str, exp.Expr | None]:
    """(bounding predicates, reason, the lower bound's constant expression)."""
    where = select.args.get("where")
    if where is None:
        return None, f"not yet bounded: the scan has no where clause on {column}", None
    bounds: list[str] = []
    subquery = False
    lower: exp.Expr | None = None
    for predicate in _conjuncts(where.this):
        if not isinstance(predicate, BOUND_COMPARISONS):
            continue
        sides = [predicate.this]
        others: list[exp.Expr] = []
        if isinstance(predicate, exp.Between):
            others = [predicate.args["low"], predicate.args["high"]]
        elif isinstance(predicate, exp.In):
            others = list(predicate.expressions) + (
                [predicate.args["query"]] if predicate.args.get("query") else []
            )
        else:
            sides.append(predicate.expression)
        for i, side in enumerate(sides):
            if not _columns_named(side, column, alias):
                continue
            rest = others or [s for j, s in enumerate(sides) if j != i]
            if rest and all(_constant(r) for r in rest):
                bounds.append(predicate.sql(dialect="bigquery"))
                if isinstance(predicate, exp.Between):
                    lower = predicate.args["low"]
                elif isinstance(
                    predicate, (exp.EQ, exp.GT, exp.GTE) if i == 0 else (exp.EQ, exp.LT, exp.LTE)
                ):
                    lower = rest[0]  # `column >= x`, `x <= column`, `column = x`
            else:
                subquery = True
    if bounds:
        return " and ".join(bounds), "bounded by a constant", lower
    if subquery:
        return None, f"not yet bounded: {column} is compared with a column or a subquery", None
    return None, f"not yet bounded: the where clause does not filter {column}", None


def _direct_scans(
    tree: exp.Expr, sources: Mapping[tuple[str, str], tuple[str, str]]
) -> list[tuple[str, str, str | None, str, exp.Expr | None]]:
    """(source, column, bound SQL, reason, lower bound expression) of each read of a source."""
    found: list[tuple[str, str, str | None, str, exp.Expr | None]] = []
    for table in tree.find_all(exp.Table):
        hit = sources.get(_key(table))
        if hit is None:
            continue
        source, column = hit
        select = table.parent.parent if isinstance(table.parent, (exp.From, exp.Join)) else None
        if not isinstance(select, exp.Select):
            found.append((source, column, None, "not yet bounded: read outside a select", None))
            continue
        bound, reason, lower = _bound(select, column, table.alias_or_name)
        found.append((source, column, bound, reason, lower))
    return found


def scans(
    manifest: Mapping[str, Any], compiled: Mapping[str, str], as_of: str | None = None
) -> list[Scan]:
    """Every scan of a partitioned contract source in the daily run's queries (`compiled`:
    unique_id -> compiled SQL of the incremental form). A scan inside a view counts for every
    query reading the view (BigQuery expands it there), judged at the view's own select. With
    `as_of` (the compile's var), each lower bound is evaluated to the days the scan reads."""
    sources = contract_sources(manifest)
    nodes = manifest["nodes"]
    relations = {
        _relation_key(n["relation_name"]): uid
        for uid, n in nodes.items()
        if n["resource_type"] == "model" and n["config"]["materialized"] == "view"
        and n.get("relation_name")
    }  # fmt: skip
    memo: dict[str, list[tuple[str, str, str | None, str, exp.Expr | None]]] = {}

    def of(uid: str) -> list[tuple[str, str, str | None, str, exp.Expr | None]]:
        if uid not in memo:
            memo[uid] = []
            if uid in compiled:
                tree = sqlglot.parse_one(compiled[uid], read="bigquery")
                found = _direct_scans(tree, sources)
                for table in tree.find_all(exp.Table):
                    view = relations.get(_key(table))
                    if view is not None and view != uid:
                        found += of(view)
                memo[uid] = found
        return memo[uid]

    days = _days_reader(as_of)
    result: list[Scan] = []
    for uid, (name, resource) in sorted(daily_queries(manifest).items(), key=lambda kv: kv[1]):
        for source, column, bound, reason, lower in of(uid):
            result.append(Scan(name, resource, source, column, bound, reason, days(lower)))
    return result


def _days_reader(as_of: str | None) -> Any:
    """A function: lower-bound expression -> the days from it through as_of's date (today's
    without as_of; DuckDB evaluates the transpiled constant), or None when there is no lower
    bound or it cannot be evaluated."""
    import duckdb

    cache: dict[str, int | None] = {}
    con = duckdb.connect()

    today = f"date(cast('{as_of}' as timestamp))" if as_of else "current_date()"

    def days(lower: exp.Expr | None) -> int | None:
        if lower is None:
            return None
        text = lower.sql(dialect="bigquery")
        if text not in cache:
            sql = sqlglot.transpile(
                f"select date_diff({today}, date({text}), day)",
                read="bigquery",
                write="duckdb",
            )[0]
            try:
                row = con.execute(sql).fetchone()
                cache[text] = None if row is None or row[0] is None else int(row[0]) + 1
            except duckdb.Error:
                cache[text] = None
        return cache[text]

    return days


def summarize(found: list[Scan]) -> list[tuple[str, str, str, int, int, int | None, str]]:
    """Per (query, source): resource, scans, bounded scans, the most days any scan reads (None
    when unknown or unbounded), the first reason of an unbounded scan or one bound."""
    rows: dict[tuple[str, str], list[Scan]] = {}
    for scan in found:
        rows.setdefault((scan.query, scan.source), []).append(scan)
    out = []
    for (query, source), group in sorted(rows.items()):
        bounded = [s for s in group if s.bounded]
        unbounded = [s for s in group if not s.bounded]
        detail = unbounded[0].reason if unbounded else str(bounded[0].bound)
        spans = [s.days for s in bounded]
        widest = None if unbounded or None in spans else max(s for s in spans if s is not None)
        out.append((query, source, group[0].resource, len(group), len(bounded), widest, detail))
    return out
