-- Every operator halt override, each with the contract rule it breaks (if any) and, for another
-- sport's rows, why the monitor leaves it out (`scope_reason`). The table is small and an
-- override that started long ago still covers today: it is read whole, not from the window.
with

source as (

    select * from {{ pipemon_source('orchestration', 'halt_overrides') }}

),

classified as (

    select
        source.*,
        concat(
            coalesce(source.sport, '?'), ':', coalesce(source.halt_reason, '?'), ':',
            coalesce(cast(source.start_date as {{ dbt.type_string() }}), '?'), '@',
            coalesce(cast(source.created_at as {{ dbt.type_string() }}), '?')
        ) as row_key,
        source.start_date as event_date,
        case when source.sport <> 'nba' then 'other_sport' end as scope_reason,
        {{ pipemon_quarantine_reason(
            required=['sport', 'halt_reason', 'start_date', 'active', 'created_at'],
            accepted=pipemon_accepted_values('orchestration', 'halt_overrides'),
            extra=[
                ('end_date < start_date', 'ends_before_start'),
            ],
            timestamps=['created_at'],
            dates=['start_date', 'end_date']
        ) }} as quarantine_reason
    from source

)

select * from classified
