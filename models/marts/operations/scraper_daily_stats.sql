{{ config(**pipemon_daily_mart('game_date')) }}
-- Per scraper and game date: runs, failures, no-data runs, error rate, duration p50/p95 and
-- records, against a rolling baseline of the scraper's comparable prior days.
with

executions as (

    select * from {{ ref('fct_scraper_executions') }}
    -- the fact keeps every day; read the days staging reads
    where execution_date >= {{ pipemon_source_start_date() }}

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

    {{ pipemon_mark_comparable_days('daily', 'game_date', 'daily.scraper_name') }}

),

comparable as (

    {{ pipemon_comparable_days('marked', pipemon_stored_mart(), ['scraper_name'], 'game_date', ['error_rate', 'duration_p50_seconds', 'runs']) }}

),

baselines as (

    {{ pipemon_rolling_baseline('comparable', ['scraper_name'], 'game_date', ['error_rate', 'duration_p50_seconds', 'runs']) }}

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
        and marked.error_rate > {{ var('scraper_error_baseline_ratio') }} * coalesce(baselines.baseline_error_rate, 0) as is_error_spike,
        marked.game_date
    from marked
    left join baselines
        on marked.scraper_name = baselines.scraper_name
        and marked.game_date = baselines.game_date

)

select * from scored
{{ pipemon_where_rewritten('game_date') }}
