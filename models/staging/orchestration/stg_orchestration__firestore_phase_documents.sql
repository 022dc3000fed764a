-- One row per phase-completion document (phase and date): its most advanced version. State only
-- moves forward (a document's completed count and trigger never go back), so the version with the
-- most completions wins, then the triggered one, then the latest: an out-of-order or replayed
-- write stamped later than its successors cannot roll the phase back.
with

accepted as (

    select * from {{ ref('base_orchestration__firestore_phase_snapshots') }}
    where quarantine_reason is null

),

documents as (

    select
        accepted.*,
        concat(accepted.collection, '/', accepted.document_id) as document_path,
        {{ dbt.safe_cast(pipemon_json_value('accepted.data', '$._completed_count'), dbt.type_bigint()) }} as completed_count,
        coalesce(lower({{ pipemon_json_value('accepted.data', '$._triggered') }}) = 'true', false) as is_triggered
    from accepted

),

latest as (

    {{ pipemon_deduplicate('documents', 'document_path', 'completed_count desc nulls last, is_triggered desc, coalesce(update_time, snapshot_at) desc, snapshot_at desc') }}

),

parsed as (

    select
        document_path as phase_document_id,
        concat('phase', substr(collection, 6, 1)) as phase,
        data as document_data,
        completed_count,
        is_triggered,
        event_date as data_date,
        {{ dbt.safe_cast(pipemon_json_value('data', '$._triggered_at'), dbt.type_timestamp()) }} as triggered_at,
        coalesce(update_time, snapshot_at) as last_changed_at,
        snapshot_at as last_snapshot_at
    from latest

)

select * from parsed
