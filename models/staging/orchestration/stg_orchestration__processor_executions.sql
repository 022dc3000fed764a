with

accepted as (

    select * from {{ ref('base_orchestration__processor_executions') }}
    where quarantine_reason is null

),

latest as (

    {{ pipemon_deduplicate('accepted', 'execution_id', 'processed_at desc') }}

),

renamed as (

    select
        execution_id,
        processor_name,
        phase,
        status,
        trigger_source,
        pubsub_message_id,
        correlation_id,
        error_type,
        error_message,
        cloud_run_revision,
        {{ pipemon_json_value('input_params', '$.game_date') }} as input_game_date,
        duration_seconds,
        records_processed,
        records_created,
        records_updated,
        status = 'failed' as is_failure,
        status = 'success' as is_success,
        status = 'skipped' as is_skipped,
        event_date as data_date,
        {{ pipemon_to_et_date('triggered_at') }} as execution_date,
        triggered_at,
        completed_at,
        processed_at
    from latest

)

select * from renamed
