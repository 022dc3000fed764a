-- Every row of the processor execution log, each with the contract rule it breaks (if any).
with

source as (

    select * from {{ pipemon_source('orchestration', 'processor_execution_log') }}
    where triggered_at >= cast({{ pipemon_source_start_date() }} as {{ dbt.type_timestamp() }})

),

checked as (

    select
        source.*,
        min(source.status) over (partition by source.execution_id, source.processed_at) as min_status_at_time,
        max(source.status) over (partition by source.execution_id, source.processed_at) as max_status_at_time
    from source

),

classified as (

    select
        checked.*,
        coalesce(
            checked.execution_id,
            concat(coalesce(checked.processor_name, '?'), '@', coalesce(cast(checked.triggered_at as {{ dbt.type_string() }}), '?'))
        ) as row_key,
        coalesce(checked.data_date, {{ pipemon_to_et_date('checked.triggered_at') }}) as event_date,
        {{ pipemon_quarantine_reason(
            required=['execution_id', 'processor_name', 'phase', 'triggered_at', 'status'],
            accepted=pipemon_accepted_values('orchestration', 'processor_execution_log'),
            extra=[
                ('completed_at < triggered_at', 'completed_before_triggered'),
                ('duration_seconds < 0', 'negative_duration'),
                (pipemon_run_duration_beyond_bound('duration_seconds'), 'absurd_duration'),
                ('min_status_at_time <> max_status_at_time', 'conflicting_duplicate'),
            ],
            timestamps=['triggered_at', 'completed_at', 'processed_at'],
            finite=['duration_seconds'],
            dates=['checked.data_date']
        ) }} as quarantine_reason
    from checked

)

select * from classified
