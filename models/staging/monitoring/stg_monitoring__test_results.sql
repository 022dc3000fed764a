with

source as (

    select * from {{ source('monitoring', 'test_results') }}

),

renamed as (

    select
        test_result_id,
        run_id,
        dbt_invocation_id,
        test_unique_id,
        test_name,
        status,
        severity,
        owner,
        relation_name,
        message,
        failures as failing_row_count,
        execution_seconds,
        status in ('fail', 'warn') as is_failure,
        status = 'error' as is_error,
        completed_at
    from source

)

select * from renamed
