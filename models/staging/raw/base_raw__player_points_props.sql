-- Every prop-line row, each with the contract rule it breaks (if any).
with

source as (

    select * from {{ source('raw', 'bettingpros_player_points_props') }}

),

classified as (

    select
        source.*,
        concat(coalesce(source.game_id, '?'), ':', coalesce(source.player_lookup, '?'), ':', coalesce(source.bookmaker, '?')) as row_key,
        source.game_date as event_date,
        {{ pipemon_quarantine_reason(
            required=['game_id', 'game_date', 'player_lookup', 'bookmaker'],
            extra=[('points_line < 0', 'negative_line')]
        ) }} as quarantine_reason
    from source

)

select * from classified
