-- Every row of the pipeline event log (since 2026-01-25), each with the contract rule it breaks.
with

source as (

    select * from {{ pipemon_source('orchestration', 'pipeline_event_log') }}
    where {{ adapter.quote('timestamp') }} >= cast({{ pipemon_source_start_date() }} as {{ dbt.type_timestamp() }})

),

classified as (

    select
        source.*,
        coalesce(source.event_id, concat(coalesce(source.processor_name, '?'), '@', coalesce(cast(source.{{ adapter.quote('timestamp') }} as {{ dbt.type_string() }}), '?'))) as row_key,
        coalesce(source.game_date, {{ pipemon_to_et_date('source.' ~ adapter.quote('timestamp')) }}) as event_date,
        {{ pipemon_quarantine_reason(
            required=['event_id', 'source.' ~ adapter.quote('timestamp'), 'event_type'],
            timestamps=['source.' ~ adapter.quote('timestamp')],
            finite=['duration_seconds'],
            dates=['source.game_date'],
            extra=[(pipemon_run_duration_beyond_bound('duration_seconds'), 'absurd_duration')]
        ) }} as quarantine_reason
    from source

)

select * from classified
