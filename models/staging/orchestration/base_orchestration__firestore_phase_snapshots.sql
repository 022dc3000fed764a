-- Every phase-completion document version `pipemon probe` read from Firestore, each with the
-- contract rule it breaks (if any).
with

source as (

    select * from {{ pipemon_source('orchestration', 'firestore_phase_snapshots') }}
    where snapshot_at >= cast({{ pipemon_source_start_date() }} as {{ dbt.type_timestamp() }})

),

classified as (

    select
        source.*,
        concat(coalesce(source.collection, '?'), '/', coalesce(source.document_id, '?'), '@', coalesce(cast(coalesce(source.update_time, source.snapshot_at) as {{ dbt.type_string() }}), '?')) as row_key,
        coalesce({{ dbt.safe_cast('source.document_id', 'date') }}, {{ pipemon_to_et_date('source.snapshot_at') }}) as event_date,
        {{ pipemon_quarantine_reason(
            required=['snapshot_at', 'collection', 'document_id'],
            accepted=pipemon_accepted_values('orchestration', 'firestore_phase_snapshots'),
            extra=[
                ('not coalesce(' ~ pipemon_is_json('source.data') ~ ', false)', 'unparseable_json'),
                ('not coalesce(' ~ pipemon_is_json_object('source.data') ~ ', false)', 'not_an_object'),
                ('not ' ~ pipemon_json_is_integer('source.data', '$._completed_count'), 'non_numeric_completed_count'),
                (dbt.safe_cast('source.document_id', 'date') ~ ' is null', 'unparseable_date'),
            ],
            timestamps=['source.snapshot_at', 'source.update_time'],
            dates=[dbt.safe_cast('source.document_id', 'date')]
        ) }} as quarantine_reason
    from source

)

select * from classified
