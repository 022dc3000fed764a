-- Every row of the pipeline's declared halt state, each with the contract rule it breaks (if any)
-- and, for another sport's rows, why the monitor leaves it out (`scope_reason`).
with

source as (

    select * from {{ pipemon_source('orchestration', 'halt_state') }}
    where effective_date >= {{ pipemon_source_start_date() }}

),

classified as (

    select
        source.*,
        concat(coalesce(source.sport, '?'), ':', coalesce(cast(source.effective_date as {{ dbt.type_string() }}), '?')) as row_key,
        source.effective_date as event_date,
        case when source.sport <> 'nba' then 'other_sport' end as scope_reason,
        {{ pipemon_quarantine_reason(
            required=['effective_date', 'sport', 'halt_active', 'source', 'written_at'],
            accepted=pipemon_accepted_values('orchestration', 'halt_state'),
            extra=[
                ('halt_active and halt_reason is null', 'halt_without_reason'),
                ('halt_since > effective_date', 'halt_since_after_date'),
            ],
            timestamps=['written_at'],
            dates=['effective_date'],
            objects=pipemon_json_object_columns('orchestration', 'halt_state')
        ) }} as quarantine_reason
    from source

)

select * from classified
