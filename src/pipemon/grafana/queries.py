"""The SQL of every Grafana panel, annotation and alert rule: BigQuery Standard SQL over the marts.

`${dataset}` is the dashboards' constant variable (the monitoring dataset); the time macros are
the BigQuery data source's own (grafana-bigquery-datasource, through grafana/sqlds):

- `$__timeFilter(x)` becomes `x >= '<from>' AND x <= '<to>'` (RFC 3339, UTC);
- `$__timeGroup(x, 1h)` becomes `TIMESTAMP_MILLIS(DIV(UNIX_MILLIS(x), 3600000) * 3600000)`.

Game dates are US Eastern dates. A daily mart's `time` is `timestamp(game_date)`: midnight UTC of
that date, which the dashboards (time zone UTC) show as the date itself. Macro arguments hold no
comma (`timestamp(d)`, not `timestamp(d, tz)`): sqlds splits macro arguments on commas.
"""

from __future__ import annotations

from dataclasses import dataclass

DAY = "timestamp({col})"


@dataclass(frozen=True)
class Sql:
    """One query: its text and whether Grafana reads it as a time series or a table."""

    sql: str
    time_series: bool = False


def _day_filter(col: str) -> str:
    return f"$__timeFilter({DAY.format(col=col)})"


# -- status ------------------------------------------------------------------------------

LATEST_DAYS = Sql(f"""
select
    game_date,
    overall_status,
    games_scheduled,
    games_final,
    games_with_box_scores,
    players_with_line,
    players_predicted_all_systems,
    prediction_coverage,
    phases_late,
    phases_not_triggered
from ${{dataset}}.daily_pipeline_health
where {_day_filter("game_date")}
order by game_date desc
limit 2
""")

PHASES_TODAY = Sql(f"""
with latest as (
    select max(data_date) as today
    from ${{dataset}}.phase_completion
    where {_day_filter("data_date")}
)
select
    phases.phase_number,
    phases.phase_label,
    phases.data_date,
    phases.phase_status,
    phases.completed_at,
    phases.deadline_at,
    phases.minutes_after_deadline,
    phases.processors_completed,
    phases.processors_expected,
    phases.processors_missing
from ${{dataset}}.phase_completion as phases
cross join latest
where phases.data_date = case
    when phases.phase_number in (2, 3) then date_sub(latest.today, interval 1 day)
    else latest.today
end
order by phases.phase_number
""")

ERRORS_BY_SERVICE = Sql("""
select service, sum(errors) as errors
from (
    select concat('processor ', processor_name) as service, count(*) as errors
    from ${dataset}.fct_processor_executions
    where is_failure and $__timeFilter(triggered_at)
    group by processor_name
    union all
    select concat('scraper ', scraper_name) as service, count(*) as errors
    from ${dataset}.fct_scraper_executions
    where is_failure and $__timeFilter(triggered_at)
    group by scraper_name
) as failed
group by service
order by errors desc, service
""")

PREDICTIONS_BY_SYSTEM = Sql(f"""
select
    system_id,
    players_with_line as expected,
    players_predicted as generated
from ${{dataset}}.prediction_system_coverage
where game_date = (
    select max(game_date)
    from ${{dataset}}.prediction_system_coverage
    where {_day_filter("game_date")}
)
order by system_id
""")

WEEK_GAMES_VS_DATA = Sql(
    f"""
select
    {DAY.format(col="health.game_date")} as time,
    health.games_scheduled,
    health.games_with_box_scores,
    sum(case when stats.phase = 'phase2' then stats.records_processed else 0 end) as phase2_records,
    sum(case when stats.phase = 'phase3' then stats.records_processed else 0 end) as phase3_records,
    sum(case when stats.phase = 'phase4' then stats.records_processed else 0 end) as phase4_records,
    sum(case when stats.phase = 'phase5' then stats.records_processed else 0 end) as phase5_records
from ${{dataset}}.daily_pipeline_health as health
left join ${{dataset}}.processor_daily_stats as stats
    on health.game_date = stats.data_date
where {_day_filter("health.game_date")}
group by health.game_date, health.games_scheduled, health.games_with_box_scores
order by time
""",
    time_series=True,
)

# -- trends ------------------------------------------------------------------------------

PROCESSING_TIME = Sql(
    f"""
select
    {DAY.format(col="data_date")} as time,
    sum(duration_p50_seconds) as median_run_time,
    sum(baseline_duration_p50_seconds) as baseline
from ${{dataset}}.processor_daily_stats
where {_day_filter("data_date")}
group by data_date
order by time
""",
    time_series=True,
)

PROCESSOR_ERROR_RATE = Sql(
    f"""
select
    {DAY.format(col="data_date")} as time,
    safe_divide(sum(failures), sum(runs)) as processors,
    safe_divide(sum(baseline_error_rate * runs), sum(runs)) as processors_baseline
from ${{dataset}}.processor_daily_stats
where {_day_filter("data_date")}
group by data_date
order by time
""",
    time_series=True,
)

SCRAPER_ERROR_RATE = Sql(
    f"""
select
    {DAY.format(col="game_date")} as time,
    safe_divide(sum(failures), sum(runs)) as scrapers,
    safe_divide(sum(baseline_error_rate * runs), sum(runs)) as scrapers_baseline
from ${{dataset}}.scraper_daily_stats
where {_day_filter("game_date")}
group by game_date
order by time
""",
    time_series=True,
)

RECORDS_PROCESSED = Sql(
    f"""
select
    {DAY.format(col="data_date")} as time,
    sum(records_processed) as records_processed,
    sum(baseline_records_processed) as baseline
from ${{dataset}}.processor_daily_stats
where {_day_filter("data_date")}
group by data_date
order by time
""",
    time_series=True,
)

PREDICTION_COVERAGE = Sql(
    f"""
select
    {DAY.format(col="game_date")} as time,
    prediction_coverage
from ${{dataset}}.daily_pipeline_health
where is_predictions_due and {_day_filter("game_date")}
order by time
""",
    time_series=True,
)

FAILURES_PER_HOUR = Sql(
    """
select
    $__timeGroup(triggered_at, 1h) as time,
    countif(is_failure) as failed_executions,
    count(*) as executions
from ${dataset}.fct_processor_executions
where $__timeFilter(triggered_at)
group by time
order by time
""",
    time_series=True,
)

INCIDENT_DAYS = Sql(
    f"""
select
    {DAY.format(col="game_date")} as time,
    1 as incident_day
from ${{dataset}}.daily_pipeline_health
where overall_status in ('PARTIAL', 'INCOMPLETE') and {_day_filter("game_date")}
order by time
""",
    time_series=True,
)

# -- incidents ---------------------------------------------------------------------------

ALERTS = Sql("""
select
    created_at,
    severity,
    test_name,
    target,
    owner,
    game_date,
    kind,
    occurrence,
    failing_row_count,
    is_delivered
from ${dataset}.fct_alerts
where kind != 'summary' and $__timeFilter(timestamp(game_date))
order by created_at desc
""")

INCIDENTS = Sql("""
select
    incident_id,
    incident_status,
    severity,
    test_name,
    target,
    first_game_date,
    last_game_date,
    day_count,
    member_count,
    opened_at,
    resolved_at
from ${dataset}.fct_incidents
where is_open or $__timeFilter(opened_at)
order by is_open desc, severity, first_game_date
""")

FAILED_PROCESSORS = Sql(f"""
select
    data_date,
    processor_name,
    phase,
    owner,
    final_status,
    last_error_type,
    last_error_message,
    attempts,
    is_failed,
    is_missing,
    is_missing_run_history
from ${{dataset}}.processor_daily_outcomes
where (is_failed or is_missing or is_missing_run_history) and {_day_filter("data_date")}
order by data_date desc, phase, processor_name
""")

DEAD_LETTERS = Sql("""
select
    dead_lettered_at,
    data_date,
    target_name,
    phase,
    original_topic,
    delivery_count,
    message_id
from ${dataset}.fct_dead_letters
where $__timeFilter(dead_lettered_at)
order by dead_lettered_at desc
""")

LOG_TABLE_FRESHNESS = Sql(f"""
select
    source_table,
    owner,
    last_row_at,
    hours_silent,
    max_silent_hours,
    executions_since_last_row,
    is_stopped
from ${{dataset}}.log_table_activity
where as_of_date = (
    select max(as_of_date)
    from ${{dataset}}.log_table_activity
    where {_day_filter("as_of_date")}
)
order by is_stopped desc, source_table
""")

# -- alert rules: one number each, > 0 fires ---------------------------------------------

RULE_INCOMPLETE_DAYS = Sql(f"""
select count(*) as value
from ${{dataset}}.daily_pipeline_health
where overall_status in ('PARTIAL', 'INCOMPLETE') and {_day_filter("game_date")}
""")

RULE_PHASES_LATE = Sql(f"""
select count(*) as value
from ${{dataset}}.phase_completion
where (is_late or is_not_triggered) and {_day_filter("data_date")}
""")

RULE_PROCESSORS_FAILED = Sql(f"""
select count(*) as value
from ${{dataset}}.processor_daily_outcomes
where (is_failed or is_missing) and {_day_filter("data_date")}
""")

RULE_SYSTEMS_MISSING = Sql(f"""
select count(*) as value
from ${{dataset}}.prediction_system_coverage
where is_system_missing and {_day_filter("game_date")}
""")

RULE_LOG_TABLE_STOPPED = Sql(f"""
select count(*) as value
from ${{dataset}}.log_table_activity
where is_stopped and {_day_filter("as_of_date")}
""")
