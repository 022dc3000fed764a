-- One row per processor and data date that was expected or ran: how it ended, why, and whether
-- it wrote run history. Answers "did every processor run, and what failed and why?".
-- The execution log (a planned table) is the record where it has rows for the processor and date;
-- otherwise the run history is, mapped to the registry by class name. MLB processors share the run
-- history and are left out by rule (`sport`); a processor is expected only on the dates it was live.
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
        and execution_date >= {{ pipemon_source_start_date() }}

),

run_history as (

    select * from {{ ref('int_processor_runs_registered') }}

),

expected as (

    select
        registry.processor_name,
        phase_days.data_date
    from registry
    inner join phase_days
        on registry.phase = phase_days.phase
    where registry.is_expected_every_game_day
        -- a processor fed only by scrapers no workflow schedules runs only by hand
        and registry.is_fed_only_by_unscheduled_scrapers is not true
        and phase_days.is_game_day
        and {{ pipemon_is_due_on('registry.due_on_day_kinds', 'phase_days.day_kind') }}
        and not phase_days.is_relaxed
        and {{ pipemon_is_live('registry', 'phase_days.data_date') }}

),

logged_attempts as (

    select
        processor_name,
        data_date,
        count(*) as attempts,
        max(deliveries_of_message) as max_deliveries,
        count(case when is_failure then 1 end) as failed_attempts,
        count(case when is_success then 1 end) as successful_attempts,
        sum(case when is_success then coalesce(records_processed, 0) else 0 end) as success_records,
        0 as stuck_runs,
        -- the same work again: a failed attempt is redone, a redelivered message is a redo
        count(case when is_failure or delivery_attempt > 1 then 1 end) as repeated_runs,
        min(triggered_at) as first_triggered_at,
        max(completed_at) as last_completed_at
    from executions
    group by 1, 2

),

logged_last as (

    {{ pipemon_deduplicate('executions', 'processor_name, data_date', 'triggered_at desc, execution_id desc') }}

),

history_attempts as (

    select
        processor_name,
        data_date,
        count(*) as attempts,
        1 as max_deliveries,
        count(case when is_failure then 1 end) as failed_attempts,
        count(case when status = 'success' then 1 end) as successful_attempts,
        sum(case when status = 'success' then coalesce(records_processed, 0) else 0 end) as success_records,
        count(case when is_stuck or is_cleanup_rewrite then 1 end) as stuck_runs,
        -- the same work again: a failed or stuck run is redone, a retry says it is one
        count(case when is_failure or is_stuck or is_cleanup_rewrite or retry_attempt > 1 then 1 end) as repeated_runs,
        min(started_at) as first_triggered_at,
        max(case when is_finished and not is_cleanup_rewrite then processed_at end) as last_completed_at
    from run_history
    group by 1, 2

),

history_last as (

    {{ pipemon_deduplicate('run_history', 'processor_name, data_date', 'started_at desc, run_id desc') }}

),

runs as (

    select
        processor_name,
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
    from logged_attempts
    union distinct
    select
        processor_name,
        data_date
    from history_attempts

),

outcomes as (

    select
        concat(keys.processor_name, ':', cast(keys.data_date as {{ dbt.type_string() }})) as processor_day_id,
        keys.processor_name,
        coalesce(registry.phase, logged_last.phase) as phase,
        registry.run_history_class,
        registry.owner,
        case when logged_attempts.processor_name is not null then 'execution_log' when history_attempts.processor_name is not null then 'run_history' end
            as outcome_source,
        case
            when logged_attempts.processor_name is not null then logged_last.status
            when history_last.is_stuck or history_last.is_cleanup_rewrite then 'stuck'
            when history_last.is_failure then 'failed'
            else history_last.status
        end as final_status,
        coalesce(logged_last.error_type, history_last.error_type) as last_error_type,
        coalesce(logged_last.error_message, history_last.first_error_message) as last_error_message,
        logged_last.failed_dependency_tables,
        coalesce(logged_attempts.attempts, history_attempts.attempts, 0) as attempts,
        coalesce(logged_attempts.failed_attempts, history_attempts.failed_attempts, 0) as failed_attempts,
        coalesce(logged_attempts.max_deliveries, history_attempts.max_deliveries, 0) as max_deliveries,
        coalesce(history_attempts.stuck_runs, 0) as stuck_runs,
        coalesce(logged_attempts.successful_attempts, history_attempts.successful_attempts, 0) as successful_attempts,
        cast(coalesce(logged_attempts.success_records, history_attempts.success_records, 0) as {{ dbt.type_bigint() }})
            as success_records,
        -- every run for the date, stuck ones included (the execution log never sees a crash)
        greatest(coalesce(logged_attempts.attempts, 0), coalesce(history_attempts.attempts, 0)) as runs_logged,
        -- runs that redid the same work (a per-file processor's many runs for many files are not)
        greatest(coalesce(logged_attempts.repeated_runs, 0), coalesce(history_attempts.repeated_runs, 0)) as repeated_runs,
        coalesce(runs.run_history_runs, 0) as run_history_runs,
        expected.processor_name is not null as is_expected,
        coalesce(phase_days.is_due, false) as is_due,
        coalesce(registry.writes_run_history, false) as writes_run_history,
        registry.processor_name is not null as is_registered,
        keys.data_date,
        coalesce(logged_attempts.first_triggered_at, history_attempts.first_triggered_at) as first_triggered_at,
        coalesce(logged_attempts.last_completed_at, history_attempts.last_completed_at) as last_completed_at
    from keys
    left join registry
        on keys.processor_name = registry.processor_name
    left join expected
        on keys.processor_name = expected.processor_name
        and keys.data_date = expected.data_date
    left join logged_attempts
        on keys.processor_name = logged_attempts.processor_name
        and keys.data_date = logged_attempts.data_date
    left join logged_last
        on keys.processor_name = logged_last.processor_name
        and keys.data_date = logged_last.data_date
    left join history_attempts
        on keys.processor_name = history_attempts.processor_name
        and keys.data_date = history_attempts.data_date
    left join history_last
        on keys.processor_name = history_last.processor_name
        and keys.data_date = history_last.data_date
    left join phase_days
        on registry.phase = phase_days.phase
        and keys.data_date = phase_days.data_date
    left join runs
        on keys.processor_name = runs.processor_name
        and keys.data_date = runs.data_date

),

flagged as (

    select
        outcomes.*,
        outcomes.final_status = 'failed' as is_failed,
        outcomes.final_status = 'stuck' as is_stuck,
        outcomes.is_expected and outcomes.is_due and outcomes.attempts = 0 as is_missing,
        -- "success" that loaded nothing on a day the schedule expected its output
        outcomes.is_expected and outcomes.is_due and outcomes.final_status = 'success'
        and outcomes.successful_attempts > 0 and outcomes.success_records = 0 as is_zero_record_success,
        outcomes.repeated_runs >= {{ var('retry_storm_min_runs') }} as is_retry_storm,
        outcomes.writes_run_history and outcomes.outcome_source = 'execution_log' and outcomes.run_history_runs = 0
            as is_missing_run_history
    from outcomes

)

select * from flagged
