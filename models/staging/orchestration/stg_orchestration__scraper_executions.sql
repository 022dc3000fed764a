with

accepted as (

    select * from {{ ref('base_orchestration__scraper_executions') }}
    where quarantine_reason is null

),

latest as (

    {{ pipemon_deduplicate('accepted', 'execution_id', 'created_at desc') }}

),

renamed as (

    select
        execution_id,
        scraper_name as scraper_log_name,
        workflow,
        status,
        source as trigger_source,
        environment,
        triggered_by,
        gcs_path,
        error_type,
        error_message,
        run_id as workflow_run_id,
        {{ dbt.safe_cast(pipemon_json_value('data_summary', '$.record_count'), dbt.type_bigint()) }} as record_count,
        duration_seconds,
        coalesce(retry_count, 0) as retry_count,
        status = 'failed' as is_failure,
        status = 'no_data' as is_no_data,
        coalesce(recovery, false) as is_recovery,
        status = 'partial' as is_partial,
        game_date is null and opts_game_date is null as is_game_date_inferred,
        event_date as game_date,
        {{ pipemon_to_et_date('triggered_at') }} as execution_date,
        triggered_at,
        completed_at,
        created_at
    from latest

)

select * from renamed
