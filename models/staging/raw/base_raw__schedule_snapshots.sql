-- Every schedule snapshot, each with the contract rule it breaks (if any).
with

source as (

    select * from {{ source('raw', 'nbac_schedule') }}

),

classified as (

    select
        source.*,
        concat(coalesce(source.game_id, '?'), '@', coalesce(cast(source.processed_at as {{ dbt.type_string() }}), '?')) as row_key,
        source.game_date as event_date,
        {{ pipemon_quarantine_reason(
            required=['game_id', 'game_date', 'game_status', 'processed_at'],
            extra=[('game_status not in (1, 2, 3)', 'unknown_status')]
        ) }} as quarantine_reason
    from source

)

select * from classified
