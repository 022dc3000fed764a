{{ config(**pipemon_daily_mart('data_date')) }}
-- Per processor and data date: runs, failures, error rate, duration p50/p95 and rows, against a
-- rolling baseline of the processor's comparable prior days (game days with game days). Phases
-- 4-5 in the bootstrap period are relaxed (they may be empty or tiny) and left out altogether.
-- How many runs a day are normal is the processor's own baseline too (a storm of runs).
with

executions as (

    select * from {{ ref('int_processor_runs_unified') }}

),

relaxed_days as (

    select
        phase,
        data_date
    from {{ ref('int_phase_deadlines') }}
    where is_relaxed

),

daily as (

    select
        executions.processor_name,
        executions.data_date,
        max(executions.phase) as phase,
        count(*) as runs,
        count(case when executions.is_failure then 1 end) as failures,
        avg(case when executions.is_failure then 1.0 else 0.0 end) as error_rate,
        {{ pipemon_percentile('case when executions.is_success then executions.duration_seconds end', 0.5) }} as duration_p50_seconds,
        {{ pipemon_percentile('case when executions.is_success then executions.duration_seconds end', 0.95) }} as duration_p95_seconds,
        cast(sum(coalesce(executions.records_processed, 0)) as {{ dbt.type_bigint() }}) as records_processed
    from executions
    left join relaxed_days
        on executions.phase = relaxed_days.phase
        and executions.data_date = relaxed_days.data_date
    where relaxed_days.data_date is null
    group by 1, 2

),

marked as (

    {{ pipemon_mark_comparable_days('daily', 'data_date', 'daily.processor_name') }}

),

comparable as (

    {{ pipemon_comparable_days('marked', pipemon_stored_mart(), ['processor_name'], 'data_date', ['runs', 'duration_p50_seconds', 'error_rate', 'records_processed']) }}

),

baselines as (

    {{ pipemon_rolling_baseline('comparable', ['processor_name'], 'data_date', ['runs', 'duration_p50_seconds', 'error_rate', 'records_processed']) }}

),

scored as (

    select
        concat(marked.processor_name, ':', cast(marked.data_date as {{ dbt.type_string() }})) as processor_day_id,
        marked.processor_name,
        marked.phase,
        marked.runs,
        marked.failures,
        marked.error_rate,
        marked.duration_p50_seconds,
        marked.duration_p95_seconds,
        marked.records_processed,
        baselines.baseline_days,
        baselines.baseline_runs,
        baselines.baseline_duration_p50_seconds,
        baselines.baseline_error_rate,
        baselines.baseline_records_processed,
        marked.duration_p50_seconds / nullif(baselines.baseline_duration_p50_seconds, 0) as duration_ratio,
        marked.is_game_day,
        marked.is_known_incident,
        baselines.baseline_days >= {{ var('baseline_min_days') }}
        and marked.duration_p50_seconds >= {{ var('duration_regression_ratio') }} * baselines.baseline_duration_p50_seconds
        and marked.duration_p50_seconds - baselines.baseline_duration_p50_seconds >= {{ var('duration_regression_min_seconds') }}
            as is_duration_regression,
        -- a storm of runs by the processor's own measure: a per-file processor's dozens of runs
        -- a day are its normal, a once-a-day processor's twenty are not
        baselines.baseline_days >= {{ var('baseline_min_days') }}
        and marked.runs >= {{ var('retry_storm_min_runs') }}
        and marked.runs >= {{ var('run_count_storm_baseline_ratio') }} * baselines.baseline_runs
            as is_run_count_storm,
        marked.data_date
    from marked
    left join baselines
        on marked.processor_name = baselines.processor_name
        and marked.data_date = baselines.data_date

)

select * from scored
{{ pipemon_where_rewritten('data_date') }}
