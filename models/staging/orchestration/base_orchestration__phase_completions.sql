-- Every row of the BigQuery copy of the phase-completion state (since 2026-01-23), each with the
-- contract rule it breaks (if any).
with

source as (

    select * from {{ pipemon_source('orchestration', 'phase_completions') }}
    where game_date >= {{ pipemon_source_start_date() }}

),

classified as (

    select
        source.*,
        concat(coalesce(source.phase, '?'), ':', coalesce(cast(source.game_date as {{ dbt.type_string() }}), '?'), ':', coalesce(source.processor_name, '?')) as row_key,
        source.game_date as event_date,
        {{ pipemon_quarantine_reason(
            required=['phase', 'game_date', 'processor_name', 'status', 'completed_at'],
            accepted=pipemon_accepted_values('orchestration', 'phase_completions'),
            timestamps=['completed_at', 'inserted_at'],
            dates=['game_date']
        ) }} as quarantine_reason
    from source

)

select * from classified
