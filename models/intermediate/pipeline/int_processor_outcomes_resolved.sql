-- One row per processor and data date that was expected or ran: how it ended, why, and whether
-- it wrote run history. Answers "did every processor run, and what failed and why?".
with

registry as (

    select * from {{ ref('processor_registry') }}

),

phase_days as (

    select * from {{ ref('int_phase_deadlines') }}

),

executions as (

    select * from {{ ref('fct_processor_executions') }}
    where not is_duplicate_delivery

),

run_history as (

    select * from {{ ref('stg_reference__processor_runs') }}

),

expected as (

    select
        registry.processor_name,
        phase_days.data_date
    from registry
    inner join phase_days
        on registry.phase = phase_days.phase
    where registry.is_expected_every_game_day
        and phase_days.is_game_day
        and not phase_days.is_relaxed

),

attempts as (

    select
        processor_name,
        data_date,
        count(*) as attempts,
        max(deliveries_of_message) as max_deliveries,
        count(case when is_failure then 1 end) as failed_attempts,
        min(triggered_at) as first_triggered_at,
        max(completed_at) as last_completed_at
    from executions
    group by 1, 2

),

last_attempt as (

    {{ pipemon_deduplicate('executions', 'processor_name, data_date', 'triggered_at desc, execution_id desc') }}

),

runs as (

    select
        processor_class_name,
        data_date,
        count(*) as run_history_runs
    from run_history
    group by 1, 2

),

keys as (

    select
        processor_name,
        data_date
    from expected
    union distinct
    select
        processor_name,
        data_date
    from attempts

),

outcomes as (

    select
        concat(keys.processor_name, ':', cast(keys.data_date as {{ dbt.type_string() }})) as processor_day_id,
        keys.processor_name,
        coalesce(registry.phase, last_attempt.phase) as phase,
        registry.run_history_class,
        registry.owner,
        last_attempt.status as final_status,
        last_attempt.error_type as last_error_type,
        last_attempt.error_message as last_error_message,
        last_attempt.failed_dependency_tables,
        coalesce(attempts.attempts, 0) as attempts,
        coalesce(attempts.failed_attempts, 0) as failed_attempts,
        coalesce(attempts.max_deliveries, 0) as max_deliveries,
        coalesce(runs.run_history_runs, 0) as run_history_runs,
        expected.processor_name is not null as is_expected,
        coalesce(phase_days.is_due, false) as is_due,
        coalesce(registry.writes_run_history, false) as writes_run_history,
        registry.processor_name is not null as is_registered,
        keys.data_date,
        attempts.first_triggered_at,
        attempts.last_completed_at
    from keys
    left join registry
        on keys.processor_name = registry.processor_name
    left join expected
        on keys.processor_name = expected.processor_name
        and keys.data_date = expected.data_date
    left join attempts
        on keys.processor_name = attempts.processor_name
        and keys.data_date = attempts.data_date
    left join last_attempt
        on keys.processor_name = last_attempt.processor_name
        and keys.data_date = last_attempt.data_date
    left join phase_days
        on registry.phase = phase_days.phase
        and keys.data_date = phase_days.data_date
    left join runs
        on registry.run_history_class = runs.processor_class_name
        and keys.data_date = runs.data_date

),

flagged as (

    select
        outcomes.*,
        outcomes.final_status = 'failed' as is_failed,
        outcomes.is_expected and outcomes.is_due and outcomes.attempts = 0 as is_missing,
        outcomes.writes_run_history and outcomes.attempts > 0 and outcomes.run_history_runs = 0
            as is_missing_run_history
    from outcomes

)

select * from flagged
