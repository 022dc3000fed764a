with

runs as (

    select * from {{ ref('stg_monitoring__monitor_runs') }}

),

final as (

    select
        run_id,
        dbt_invocation_id,
        command,
        target_name,
        selection,
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
        {{ dbt.datediff('started_at', 'completed_at', 'second') }} as duration_seconds,
        is_completed,
        is_monitor_failure,
        started_at,
        completed_at
    from runs

)

select * from final
