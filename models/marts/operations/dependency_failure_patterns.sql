{{ config(**pipemon_daily_mart('data_date')) }}
-- Per data date and required upstream table: dependency checks, failures, which processors failed
-- them, fallback available/used, against the table's rolling baseline of failures.
with

checks as (

    select * from {{ ref('stg_orchestration__dependency_checks') }}

),

daily as (

    select
        checks.required_table,
        checks.data_date,
        count(*) as checks,
        count(case when checks.is_failed then 1 end) as failures,
        avg(case when checks.is_failed then 1.0 else 0.0 end) as failure_rate,
        count(distinct checks.processor_name) as processors_checking,
        count(case when checks.is_failed and checks.is_fallback_available then 1 end) as failures_with_fallback,
        count(case when checks.is_fallback_used then 1 end) as fallbacks_used,
        string_agg(distinct case when checks.is_failed then checks.processor_name end, ', ' order by case when checks.is_failed then checks.processor_name end) as processors_failed
    from checks
    group by 1, 2

),

marked as (

    {{ pipemon_mark_comparable_days('daily', 'data_date', 'daily.required_table') }}

),

comparable as (

    {{ pipemon_comparable_days('marked', pipemon_stored_mart(), ['required_table'], 'data_date', ['failures', 'failure_rate']) }}

),

baselines as (

    {{ pipemon_rolling_baseline('comparable', ['required_table'], 'data_date', ['failures', 'failure_rate']) }}

),

scored as (

    select
        concat(marked.required_table, ':', cast(marked.data_date as {{ dbt.type_string() }})) as table_day_id,
        marked.required_table,
        marked.processors_failed,
        marked.checks,
        marked.failures,
        marked.failure_rate,
        marked.processors_checking,
        marked.failures_with_fallback,
        marked.fallbacks_used,
        baselines.baseline_days,
        baselines.baseline_failures,
        baselines.baseline_failure_rate,
        marked.is_game_day,
        marked.is_known_incident,
        baselines.baseline_days >= {{ var('baseline_min_days') }}
        and marked.failures >= {{ var('dependency_failure_min_count') }}
        and marked.failure_rate >= {{ var('dependency_failure_rate_max') }}
        and marked.failures > {{ var('dependency_failure_baseline_ratio') }} * coalesce(baselines.baseline_failures, 0) as is_failure_spike,
        marked.data_date
    from marked
    left join baselines
        on marked.required_table = baselines.required_table
        and marked.data_date = baselines.data_date

)

select * from scored
{{ pipemon_where_rewritten('data_date') }}
