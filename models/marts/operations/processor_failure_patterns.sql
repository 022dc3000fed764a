{{ config(**pipemon_daily_mart('data_date')) }}
-- Per processor, data date and error type: failed runs in run history, every sport included.
-- Answers "what keeps failing, and with which error?": a crash on every run (a TypeError), a
-- quota that rejects every load, or another sport's processor failing in a redelivery loop that
-- exhausts a quota the NBA pipeline shares (the MLB rows are left out of every other check).
-- Stuck runs and their cleanup rewrites are not failures here (stg_reference__processor_runs).
with

runs as (

    select * from {{ ref('stg_reference__processor_runs') }}
    where is_failure

),

registry as (

    select * from {{ ref('processor_registry') }}

),

patterns as (

    select
        coalesce(registry.processor_name, runs.processor_class_name) as processor_name,
        runs.processor_class_name,
        runs.sport,
        coalesce(runs.error_type, 'unknown') as error_type,
        runs.data_date,
        count(*) as failed_runs,
        count(distinct runs.trigger_message_id) as trigger_messages,
        max(runs.first_error_message) as sample_error_message,
        min(runs.started_at) as first_failed_at,
        max(runs.started_at) as last_failed_at
    from runs
    left join registry
        on runs.processor_class_name = registry.run_history_class
    group by 1, 2, 3, 4, 5

),

flagged as (

    select
        concat(patterns.processor_name, ':', cast(patterns.data_date as {{ dbt.type_string() }}), ':', patterns.error_type)
            as failure_pattern_id,
        patterns.processor_name,
        patterns.processor_class_name,
        patterns.sport,
        patterns.error_type,
        patterns.sample_error_message,
        patterns.failed_runs,
        patterns.trigger_messages,
        patterns.failed_runs >= {{ var('failure_pattern_min_runs') }} as is_repeated_failure,
        patterns.sport <> 'nba'
        and patterns.failed_runs >= {{ var('foreign_sport_storm_min_runs') }} as is_foreign_sport_storm,
        patterns.data_date,
        patterns.first_failed_at,
        patterns.last_failed_at
    from patterns

)

select * from flagged
{{ pipemon_where_rewritten('data_date') }}
