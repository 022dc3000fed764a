-- Every run-history row, each with the contract rule it breaks (if any).
with

source as (

    select * from {{ pipemon_source('reference', 'processor_run_history') }}
    where data_date >= {{ pipemon_source_start_date() }}

),

checked as (

    select
        source.*,
        coalesce(source.processed_at, source.started_at) as written_at,
        min(source.status) over (
            partition by source.run_id, coalesce(source.processed_at, source.started_at)
        ) as min_status_at_time,
        max(source.status) over (
            partition by source.run_id, coalesce(source.processed_at, source.started_at)
        ) as max_status_at_time
    from source

),

classified as (

    select
        checked.*,
        coalesce(
            checked.run_id,
            concat(coalesce(checked.processor_name, '?'), '@', coalesce(cast(checked.started_at as {{ dbt.type_string() }}), '?'))
        ) as row_key,
        coalesce(checked.data_date, {{ pipemon_to_et_date('checked.started_at') }}) as event_date,
        {{ pipemon_quarantine_reason(
            required=['processor_name', 'run_id', 'status', 'data_date', 'started_at'],
            accepted=pipemon_accepted_values('reference', 'processor_run_history'),
            extra=[
                ('processed_at < started_at', 'completed_before_triggered'),
                ('duration_seconds < 0', 'negative_duration'),
                (pipemon_run_duration_beyond_bound('duration_seconds'), 'absurd_duration'),
                ('min_status_at_time <> max_status_at_time', 'conflicting_duplicate'),
            ],
            timestamps=['started_at', 'processed_at'],
            finite=['duration_seconds'],
            dates=['checked.data_date']
        ) }} as quarantine_reason
    from checked

)

select * from classified
