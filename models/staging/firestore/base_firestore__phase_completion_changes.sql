-- Every change of a phase-completion document, each with the contract rule it breaks (if any).
with

source as (

    select * from {{ source('firestore', 'phase_completion_raw_changelog') }}

),

classified as (

    select
        source.*,
        source.timestamp as changed_at,
        coalesce(source.event_id, concat(coalesce(source.document_name, '?'), '@', coalesce(cast(source.timestamp as {{ dbt.type_string() }}), '?'))) as row_key,
        coalesce(
            {{ dbt.safe_cast('source.document_id', 'date') }},
            {{ pipemon_to_et_date('source.timestamp') }}
        ) as event_date,
        {{ pipemon_quarantine_reason(
            required=['document_name', 'document_id', 'source.timestamp', 'operation'],
            accepted={'operation': ['CREATE', 'UPDATE', 'DELETE', 'IMPORT']},
            extra=[
                ("operation <> 'DELETE' and not coalesce(" ~ pipemon_is_json('data') ~ ", false)", 'unparseable_json'),
                ("strpos(document_name, '_completion/') = 0", 'unknown_collection'),
            ]
        ) }} as quarantine_reason
    from source

)

select * from classified
