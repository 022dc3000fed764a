-- One row per phase-completion document (phase and date): its latest state.
with

accepted as (

    select * from {{ ref('base_firestore__phase_completion_changes') }}
    where quarantine_reason is null

),

located as (

    select
        accepted.*,
        substr(
            accepted.document_name,
            strpos(accepted.document_name, '/documents/') + {{ '/documents/' | length }}
        ) as document_path
    from accepted

),

latest as (

    {{ pipemon_deduplicate('located', 'document_path', 'changed_at desc, event_id desc') }}

),

parsed as (

    select
        document_path as phase_completion_id,
        concat('phase', substr(document_path, 6, 1)) as phase,
        operation as last_operation,
        data as document_data,
        cast({{ pipemon_json_value('data', '$._completed_count') }} as {{ dbt.type_bigint() }}) as completed_count,
        coalesce({{ pipemon_json_value('data', '$._triggered') }} = 'true', false) as is_triggered,
        operation = 'DELETE' as is_deleted,
        event_date as data_date,
        cast({{ pipemon_json_value('data', '$._triggered_at') }} as {{ dbt.type_timestamp() }}) as triggered_at,
        changed_at as last_changed_at
    from latest

)

select * from parsed
