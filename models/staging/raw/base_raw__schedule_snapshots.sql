-- Every schedule row, each with the contract rule it breaks (if any). The table requires a filter
-- on its `game_date` partition.
with

source as (

    select * from {{ pipemon_source('raw', 'nbac_schedule') }}
    where game_date >= {{ pipemon_schedule_start_date() }}

),

classified as (

    select
        source.*,
        concat(coalesce(source.game_id, '?'), ':', coalesce(cast(source.game_date as {{ dbt.type_string() }}), '?')) as row_key,
        source.game_date as event_date,
        {{ pipemon_quarantine_reason(
            required=['game_id', 'game_date', 'game_status', 'home_team_tricode', 'away_team_tricode'],
            accepted=pipemon_accepted_values('raw', 'nbac_schedule'),
            timestamps=['processed_at'],
            dates=['game_date']
        ) }} as quarantine_reason
    from source

)

select * from classified
