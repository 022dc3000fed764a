-- One row per processor run of the watched (NBA, registered) processors, from the execution log
-- where it has rows for the processor and date, else from run history: the runs every trend is
-- computed from, so a warehouse without the planned execution log still has them.
with

executions as (

    select * from {{ ref('fct_processor_executions') }}
    where not is_duplicate_delivery
        and execution_date >= {{ pipemon_source_start_date() }}

),

logged_days as (

    select distinct
        processor_name,
        data_date
    from executions

),

history as (

    select * from {{ ref('int_processor_runs_registered') }}
    where is_finished

),

unioned as (

    select
        execution_id as run_id,
        processor_name,
        phase,
        'execution_log' as run_source,
        status,
        error_type,
        error_message,
        duration_seconds,
        records_processed,
        is_failure,
        is_success,
        data_date,
        triggered_at as started_at,
        completed_at
    from executions
    union all
    select
        history.run_id,
        history.processor_name,
        history.phase,
        'run_history' as run_source,
        history.status,
        history.error_type,
        history.first_error_message as error_message,
        history.duration_seconds,
        history.records_processed,
        history.is_failure,
        history.status = 'success' as is_success,
        history.data_date,
        history.started_at,
        history.processed_at as completed_at
    from history
    left join logged_days
        on history.processor_name = logged_days.processor_name
        and history.data_date = logged_days.data_date
    where logged_days.processor_name is null

)

select * from unioned
