with

source as (

    select * from {{ source('monitoring', 'monitor_runs') }}

),

renamed as (

    select
        run_id,
        dbt_invocation_id,
        command,
        target_name,
        selection,
        exclusion,
        outcome,
        error_message,
        exit_code,
        tests_total,
        tests_passed,
        tests_warned,
        tests_failed,
        nodes_errored,
        alerts_sent,
        alerts_suppressed,
        alerts_pending,
        dbt_seconds,
        dbt_retried_nodes,
        bytes_billed,
        completed_at is not null as is_completed,
        exit_code = 3 as is_monitor_failure,
        started_at,
        completed_at
    from source

)

select * from renamed
