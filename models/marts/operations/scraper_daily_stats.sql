-- Per scraper and game date: runs, failures, no-data runs, error rate, duration p50/p95 and
-- records, against a rolling baseline of the scraper's comparable prior days.
with

calendar as (

    select * from {{ ref('int_calendar_dates') }}

),

executions as (

    select * from {{ ref('fct_scraper_executions') }}

),

known_incidents as (

    select * from {{ ref('known_incident_days') }}

),

daily as (

    select
        executions.scraper_name,
        executions.game_date,
        max(executions.owner) as owner,
        count(*) as runs,
        count(case when executions.is_failure then 1 end) as failures,
        count(case when executions.is_no_data then 1 end) as no_data_runs,
        cast(sum(executions.retry_count) as {{ dbt.type_bigint() }}) as retries,
        avg(case when executions.is_failure then 1.0 else 0.0 end) as error_rate,
        {{ pipemon_percentile('executions.duration_seconds', 0.5) }} as duration_p50_seconds,
        {{ pipemon_percentile('executions.duration_seconds', 0.95) }} as duration_p95_seconds,
        cast(sum(coalesce(executions.record_count, 0)) as {{ dbt.type_bigint() }}) as records
    from executions
    group by 1, 2

),

marked as (

    select
        daily.*,
        coalesce(calendar.is_game_day, false) as is_game_day,
        max(case when known_incidents.incident_date is not null then 1 else 0 end) = 1 as is_known_incident
    from daily
    left join calendar
        on daily.game_date = calendar.calendar_date
    left join known_incidents
        on daily.game_date = known_incidents.incident_date
        and known_incidents.target in ('*', daily.scraper_name)
    group by {% for column in ['scraper_name', 'game_date', 'owner', 'runs', 'failures', 'no_data_runs', 'retries', 'error_rate', 'duration_p50_seconds', 'duration_p95_seconds', 'records'] %}daily.{{ column }}, {% endfor %}calendar.is_game_day

),

baselines as (

    {{ pipemon_rolling_baseline('marked', ['scraper_name'], 'game_date', ['error_rate', 'duration_p50_seconds', 'runs']) }}

),

scored as (

    select
        concat(marked.scraper_name, ':', cast(marked.game_date as {{ dbt.type_string() }})) as scraper_day_id,
        marked.scraper_name,
        marked.owner,
        marked.runs,
        marked.failures,
        marked.no_data_runs,
        marked.retries,
        marked.error_rate,
        marked.duration_p50_seconds,
        marked.duration_p95_seconds,
        marked.records,
        baselines.baseline_days,
        baselines.baseline_error_rate,
        baselines.baseline_duration_p50_seconds,
        baselines.baseline_runs,
        marked.is_game_day,
        marked.is_known_incident,
        baselines.baseline_days >= {{ var('baseline_min_days') }}
        and marked.runs >= {{ var('scraper_error_rate_min_runs') }}
        and marked.failures >= {{ var('scraper_error_min_failures') }}
        and marked.error_rate >= {{ var('scraper_error_rate_max') }}
        and marked.error_rate > 3 * coalesce(baselines.baseline_error_rate, 0) as is_error_spike,
        marked.game_date
    from marked
    left join baselines
        on marked.scraper_name = baselines.scraper_name
        and marked.game_date = baselines.game_date

)

select * from scored
