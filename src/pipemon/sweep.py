"""The season sweep: the whole season's date grid judged for outputs still missing, reported as
one digest of table and date ranges (mart `season_gap_ranges`), where the daily run judges only
its last `monitor_lookback_days` and forgets a gap nobody fixed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from pipemon import dbt
from pipemon.warehouse import Warehouse

SWEEP_SELECTOR = "+season_gap_ranges"


@dataclass(frozen=True)
class GapRange:
    """One table's outputs missing over consecutive game days."""

    table: str
    first_date: date
    last_date: date
    game_days: int
    units_missing: int

    def describe(self) -> str:
        span = (
            self.first_date.isoformat()
            if self.first_date == self.last_date
            else f"{self.first_date.isoformat()} .. {self.last_date.isoformat()}"
        )
        days = "game day" if self.game_days == 1 else "game days"
        return f"{span}  ({self.game_days} {days}, {self.units_missing} missing)"


def sweep_vars(as_of: str | None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The dbt vars of a sweep: the sweep's test enabled, the clock when given."""
    out: dict[str, Any] = dict(extra or {})
    out["sweep"] = True
    if as_of:
        out["as_of"] = as_of
    return out


def build(target: str | None, vars_: dict[str, Any], extra: Sequence[str] = ()) -> dbt.DbtOutcome:
    """`dbt build` of the sweep's mart, everything it reads and its test."""
    return dbt.invoke(
        ["build", "--select", SWEEP_SELECTOR], target=target, vars_=vars_, extra=extra
    )


def read_ranges(warehouse: Warehouse) -> list[GapRange]:
    rows = warehouse.query(
        "select gap_table, first_gap_date, last_gap_date, game_days_missing, units_missing "
        f"from {warehouse.table('season_gap_ranges')} order by gap_table, first_gap_date"
    )
    return [
        GapRange(
            table=str(row["gap_table"]),
            first_date=_as_date(row["first_gap_date"]),
            last_date=_as_date(row["last_gap_date"]),
            game_days=int(row["game_days_missing"]),
            units_missing=int(row["units_missing"]),
        )
        for row in rows
    ]


def digest(ranges: Sequence[GapRange], as_of: str | None = None) -> str:
    """One message: every range still missing, grouped by table."""
    when = f" as of {as_of} UTC" if as_of else ""
    if not ranges:
        return f"pipemon season sweep{when}: nothing missing in the season's date grid."
    tables = sorted({r.table for r in ranges})
    lines = [
        f"pipemon season sweep{when}: {len(ranges)} gap(s) still open in {len(tables)} table(s)"
    ]
    for table in tables:
        lines.append(f"  {table}")
        lines += [f"    {r.describe()}" for r in ranges if r.table == table]
    return "\n".join(lines)


def _as_date(value: Any) -> date:
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
