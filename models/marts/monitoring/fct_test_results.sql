with

results as (

    select * from {{ ref('stg_monitoring__test_results') }}

),

runs as (

    select * from {{ ref('stg_monitoring__monitor_runs') }}

),

sequenced as (

    select
        results.test_result_id,
        results.run_id,
        results.dbt_invocation_id,
        results.test_unique_id,
        results.test_name,
        results.status,
        lag(results.status) over (
            partition by results.test_unique_id
            order by results.completed_at
        ) as previous_status,
        results.severity,
        results.owner,
        runs.target_name,
        results.failing_row_count,
        results.execution_seconds,
        results.is_failure,
        results.is_error,
        results.completed_at
    from results
    left join runs
        on results.run_id = runs.run_id

),

final as (

    select
        *,
        previous_status is not null
        and (status = 'pass') != (previous_status = 'pass') as is_status_change
    from sequenced

)

select * from final
