-- One row per run: the latest row by `processed_at` wins (the `running` row and the final row share
-- `run_id` and `started_at`). `errors` comes in two shapes: a list of {error_type, error_message,
-- timestamp} from the processors, and an object {cleanup_reason, ...} from the stale-running
-- cleanup (since 2026-01-12), whose `failed` rewrite is a stuck run, not a processing error.
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

parsed as (

    select
        latest.*,
        {{ pipemon_json_value('latest.errors', '$.cleanup_reason') }} as cleanup_reason,
        coalesce(
            {{ pipemon_json_value('latest.errors', '$[0].error_type') }},
            {{ pipemon_json_value('latest.errors', '$[0].type') }}
        ) as list_error_type,
        coalesce(
            {{ pipemon_json_value('latest.errors', '$[0].error_message') }},
            {{ pipemon_json_value('latest.errors', '$[0].message') }}
        ) as list_error_message
    from latest

),

renamed as (

    select
        run_id,
        processor_name as processor_class_name,
        status,
        phase as run_history_phase,
        case
            when processor_name like 'Mlb%' or phase like 'mlb%' then 'mlb'
            else 'nba'
        end as sport,
        failure_category,
        trigger_source,
        trigger_message_id,
        skip_reason,
        cleanup_reason,
        coalesce(list_error_type, case when cleanup_reason is not null then 'StaleRunningCleanup' end) as error_type,
        coalesce(list_error_message, cleanup_reason) as first_error_message,
        duration_seconds,
        records_processed,
        coalesce(retry_attempt, 1) as retry_attempt,
        status <> 'running' as is_finished,
        status = 'running'
        and started_at < {{ pipemon_timestamp_add_minutes(pipemon_as_of(), -60 * var('stuck_running_hours')) }} as is_stuck,
        status = 'failed'
        and (cleanup_reason is not null or coalesce(failure_category, '') = 'STALE_HEARTBEAT') as is_cleanup_rewrite,
        status = 'failed'
        and cleanup_reason is null
        and coalesce(failure_category, '') <> 'STALE_HEARTBEAT' as is_failure,
        coalesce(used_source_fallback, false) as is_fallback_used,
        data_date,
        started_at,
        processed_at
    from parsed

)

select * from renamed
