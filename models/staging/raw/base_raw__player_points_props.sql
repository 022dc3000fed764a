-- Every BettingPros prop row, each with the contract rule it breaks (if any). The table holds every
-- market (only `points` is in scope) and a time series of snapshots with an over and an under row
-- per line; it requires a filter on its `game_date` partition.
with

source as (

    select * from {{ pipemon_source('raw', 'bettingpros_player_points_props') }}
    where game_date >= {{ pipemon_source_start_date() }}

),

classified as (

    select
        source.*,
        concat(
            cast(source.game_date as {{ dbt.type_string() }}), ':',
            coalesce(source.player_lookup, '?'), ':',
            coalesce(source.bookmaker, '?')
        ) as row_key,
        source.game_date as event_date,
        case when lower(source.market_type) <> 'points' then 'other_market' end as scope_reason,
        {{ pipemon_quarantine_reason(
            required=['game_date', 'player_lookup', 'bookmaker', 'market_type'],
            accepted=pipemon_accepted_values('raw', 'bettingpros_player_points_props'),
            timestamps=['created_at', 'processed_at'],
            dates=['game_date'],
            finite=['points_line'],
            extra=[
                ("lower(market_type) = 'points' and points_line is null", 'null_key'),
                ("lower(market_type) = 'points' and points_line < 0", 'negative_line'),
            ]
        ) }} as quarantine_reason
    from source

)

select * from classified
