"""The three dashboards (status, trends, incidents), built with grafana-foundation-sdk."""

from __future__ import annotations

from dataclasses import dataclass

from grafana_foundation_sdk.builders import barchart, stat, table, timeseries
from grafana_foundation_sdk.builders import bigquery as bq
from grafana_foundation_sdk.builders import dashboard as db
from grafana_foundation_sdk.models import bigquery as bqm
from grafana_foundation_sdk.models import dashboard as dm

from pipemon.grafana import queries as q

DATASOURCE_TYPE = "grafana-bigquery-datasource"
DATASOURCE_UID = "pipemon-bigquery"
DATASOURCE = dm.DataSourceRef(type_val=DATASOURCE_TYPE, uid=DATASOURCE_UID)
TAGS = ["pipemon", "nba-pipeline"]
# daily marts put a game date at 00:00 UTC; a UTC dashboard shows it as that date
TIMEZONE = "utc"


@dataclass(frozen=True)
class Settings:
    """What a team sets when generating: the monitoring dataset and its location."""

    dataset: str = "nba_monitoring"
    location: str = "US"


def target(sql: q.Sql, ref_id: str = "A", settings: Settings | None = None) -> bq.Dataquery:
    query = (
        bq.Dataquery()
        .ref_id(ref_id)
        .datasource(DATASOURCE)
        .raw_query(True)
        .editor_mode(bqm.EditorMode.CODE)
        .format(bqm.QueryFormat.TIMESERIES if sql.time_series else bqm.QueryFormat.TABLE)
        .raw_sql(sql.sql.strip())
    )
    if settings is not None:
        query = query.location(settings.location)
    return query


def _grid(x: int, y: int, w: int, h: int) -> dm.GridPos:
    return dm.GridPos(h=h, w=w, x=x, y=y)


def _dashboard(uid: str, title: str, description: str, since: str, s: Settings) -> db.Dashboard:
    return (
        db.Dashboard(title)
        .uid(uid)
        .description(description)
        .tags(TAGS)
        .timezone(TIMEZONE)
        .time(since, "now")
        .refresh("30m")
        .editable()
        .with_variable(
            db.ConstantVariable("dataset")
            .label("monitoring dataset")
            .description("BigQuery dataset the marts are built in (PIPEMON_BQ_DATASET).")
            .value(s.dataset)
        )
        .link(
            db.DashboardLink("pipemon dashboards")
            .type(dm.DashboardLinkType.DASHBOARDS)
            .tags(["pipemon"])
            .as_dropdown(False)
            .include_vars(False)
            .keep_time(True)
        )
    )


def _status_colors() -> list[dm.ValueMapping]:
    colours = {
        "COMPLETE": "green",
        "BOOTSTRAP": "green",
        "NO_GAMES": "green",
        "on_time": "green",
        "bootstrap": "green",
        "IN_PROGRESS": "yellow",
        "pending": "yellow",
        "PARTIAL": "red",
        "INCOMPLETE": "red",
        "late": "red",
        "not_triggered": "red",
    }
    return [
        dm.ValueMap(
            options={
                k: dm.ValueMappingResult(color=v, index=i)
                for i, (k, v) in enumerate(colours.items())
            }  # fmt: skip
        )
    ]


def status(s: Settings) -> db.Dashboard:
    return (
        _dashboard(
            "pipemon-status",
            "pipemon · pipeline status",
            "Did the last game date complete, today's phases against their deadlines, errors of "
            "the last 24 h and predictions generated vs expected. Same marts as pipemon status.",
            "now-2d",
            s,
        )
        .with_panel(
            table.Panel()
            .title("Judged day and today: overall status")
            .description("The two latest game dates (ET) in the range; daily_pipeline_health.")
            .datasource(DATASOURCE)
            .with_target(target(q.LATEST_DAYS, settings=s))
            .mappings(_status_colors())
            .grid_pos(_grid(0, 0, 12, 6))
        )
        .with_panel(
            table.Panel()
            .title("Today's phase 1-5 status vs deadline")
            .description(
                "Phases 1, 4, 5 of the latest game date, 2-3 of the one before (they process the "
                "previous game date overnight); phase_completion. Times UTC."
            )
            .datasource(DATASOURCE)
            .with_target(target(q.PHASES_TODAY, settings=s))
            .mappings(_status_colors())
            .grid_pos(_grid(12, 0, 12, 6))
        )
        .with_panel(
            barchart.Panel()
            .title("Errors in the last 24 h by service")
            .description("Failed executions per processor and scraper in the last 24 h.")
            .datasource(DATASOURCE)
            .with_target(target(q.ERRORS_BY_SERVICE, settings=s))
            .time_from("24h")
            .x_field("service")
            .axis_label("failed executions")
            .unit("short")
            .grid_pos(_grid(0, 6, 12, 8))
        )
        .with_panel(
            barchart.Panel()
            .title("Predictions generated vs expected per system")
            .description("Latest game date in the range; expected = players with a points line.")
            .datasource(DATASOURCE)
            .with_target(target(q.PREDICTIONS_BY_SYSTEM, settings=s))
            .x_field("system_id")
            .axis_label("players")
            .unit("short")
            .grid_pos(_grid(12, 6, 12, 8))
        )
        .with_panel(_week_panel(s))
    )


def _week_panel(s: Settings) -> timeseries.Panel:
    records = dm.MatcherConfig(id_val="byRegexp", options=".*_records")
    return (
        timeseries.Panel()
        .title("Last 7 days: games vs data processed per phase")
        .description(
            "Games scheduled and with box scores (left axis, games) and records processed per "
            "phase (right axis, records) per game date."
        )
        .datasource(DATASOURCE)
        .with_target(target(q.WEEK_GAMES_VS_DATA, settings=s))
        .time_from("7d")
        .axis_label("games")
        .unit("short")
        .with_override(
            records,
            [
                dm.DynamicConfigValue(id_val="custom.axisPlacement", value="right"),
                dm.DynamicConfigValue(id_val="custom.axisLabel", value="records processed"),
            ],
        )
        .grid_pos(_grid(0, 14, 24, 8))
    )


def _trend(title: str, description: str, sqls: list[q.Sql], unit: str, label: str,
           grid: dm.GridPos, s: Settings) -> timeseries.Panel:  # fmt: skip
    panel = (
        timeseries.Panel()
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .unit(unit)
        .axis_label(label)
        .grid_pos(grid)
        .with_override(
            dm.MatcherConfig(id_val="byRegexp", options=".*baseline"),
            [
                dm.DynamicConfigValue(
                    id_val="custom.lineStyle", value={"fill": "dash", "dash": [10, 10]}
                )
            ],
        )  # fmt: skip
        .with_override(
            dm.MatcherConfig(id_val="byName", options="incident_day"),
            [
                dm.DynamicConfigValue(id_val="custom.drawStyle", value="bars"),
                dm.DynamicConfigValue(id_val="custom.fillOpacity", value=25),
                dm.DynamicConfigValue(id_val="custom.axisPlacement", value="hidden"),
                dm.DynamicConfigValue(id_val="max", value=1),
                dm.DynamicConfigValue(id_val="color", value={"mode": "fixed", "fixedColor": "red"}),
            ],
        )
    )
    for i, sql in enumerate(sqls):
        panel = panel.with_target(target(sql, ref_id=chr(ord("A") + i), settings=s))
    return panel


def trends(s: Settings) -> db.Dashboard:
    return (
        _dashboard(
            "pipemon-trends",
            "pipemon · trends",
            "30-day trends of the pipeline against their baselines (median of comparable prior "
            "days, dashed); red bars mark incomplete game dates.",
            "now-30d",
            s,
        )
        .with_panel(_trend("Processing time vs baseline", "Sum of processors' median run time "
                           "per game date; dashed: the same sum of their baselines.",
                           [q.PROCESSING_TIME, q.INCIDENT_DAYS], "s", "seconds",
                           _grid(0, 0, 12, 8), s))
        .with_panel(_trend("Error rate vs baseline", "Failed runs / runs per game date; "
                           "dashed: baseline error rate.",
                           [q.PROCESSOR_ERROR_RATE, q.SCRAPER_ERROR_RATE, q.INCIDENT_DAYS],
                           "percentunit", "failed runs / runs", _grid(12, 0, 12, 8), s))
        .with_panel(_trend("Records processed vs baseline", "Records all processors wrote per "
                           "game date; dashed: sum of their baselines.",
                           [q.RECORDS_PROCESSED, q.INCIDENT_DAYS], "short", "records",
                           _grid(0, 8, 12, 8), s))
        .with_panel(_trend("Prediction coverage", "Players with a line predicted by every "
                           "system, on days predictions were due (threshold 95 %).",
                           [q.PREDICTION_COVERAGE, q.INCIDENT_DAYS], "percentunit",
                           "share of players", _grid(12, 8, 12, 8), s))
        .with_panel(_trend("Processor executions per hour", "All and failed executions per "
                           "hour (UTC).", [q.FAILURES_PER_HOUR], "short", "executions",
                           _grid(0, 16, 24, 8), s))
    )  # fmt: skip


def incidents(s: Settings) -> db.Dashboard:
    return (
        _dashboard(
            "pipemon-incidents",
            "pipemon · incidents",
            "What the runner alerted on, failed or missing processors, dead letters and log-table "
            "freshness. fct_alerts reflects the runner's log as of the last dbt build.",
            "now-7d",
            s,
        )
        .with_panel(
            table.Panel()
            .title("Incidents: one per outage, with its dates")
            .description(
                "fct_incidents: open ones first; an outage of many days is one row "
                "(first and last game date, days)."
            )
            .datasource(DATASOURCE)
            .with_target(target(q.INCIDENTS, settings=s))
            .filterable(True)
            .grid_pos(_grid(0, 0, 24, 8))
        )
        .with_panel(
            table.Panel()
            .title("Alerts raised")
            .datasource(DATASOURCE)
            .with_target(target(q.ALERTS, settings=s))
            .filterable(True)
            .grid_pos(_grid(0, 8, 24, 9))
        )
        .with_panel(
            table.Panel()
            .title("Failed, missing or unlogged processors")
            .datasource(DATASOURCE)
            .with_target(target(q.FAILED_PROCESSORS, settings=s))
            .filterable(True)
            .grid_pos(_grid(0, 17, 24, 8))
        )
        .with_panel(
            table.Panel()
            .title("Dead-lettered messages")
            .datasource(DATASOURCE)
            .with_target(target(q.DEAD_LETTERS, settings=s))
            .grid_pos(_grid(0, 25, 12, 8))
        )
        .with_panel(
            table.Panel()
            .title("Log-table freshness")
            .description("Hours since each pipeline log table received a row, at the last build.")
            .datasource(DATASOURCE)
            .with_target(target(q.LOG_TABLE_FRESHNESS, settings=s))
            .grid_pos(_grid(12, 25, 12, 8))
        )
        .with_panel(
            stat.Panel()
            .title("Incomplete game dates in range")
            .datasource(DATASOURCE)
            .with_target(target(q.RULE_INCOMPLETE_DAYS, settings=s))
            .grid_pos(_grid(0, 33, 6, 4))
        )
    )


def all_dashboards(s: Settings) -> dict[str, db.Dashboard]:
    return {"pipemon-status": status(s), "pipemon-trends": trends(s),
            "pipemon-incidents": incidents(s)}  # fmt: skip
