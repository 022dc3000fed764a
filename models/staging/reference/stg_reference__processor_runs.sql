-- One row per run: the latest row per run_id wins (a final row beats the `running` row).
with

accepted as (

    select * from {{ ref('base_reference__processor_runs') }}
    where quarantine_reason is null

),

latest as (

    {{ pipemon_deduplicate(
        'accepted',
        'run_id',
        "written_at desc, case when status = 'running' then 1 else 0 end"
    ) }}

),

renamed as (

    select
        run_id,
        processor_name as processor_class_name,
        status,
        phase as run_history_phase,
        failure_category,
        trigger_source,
        skip_reason,
        {{ pipemon_json_value('errors', '$[0].message') }} as first_error_message,
        duration_seconds,
        records_processed,
        coalesce(retry_attempt, 0) as retry_attempt,
        status <> 'running' as is_finished,
        status = 'failed' as is_failure,
        coalesce(used_source_fallback, false) as is_fallback_used,
        data_date,
        started_at,
        processed_at
    from latest

)

select * from renamed
