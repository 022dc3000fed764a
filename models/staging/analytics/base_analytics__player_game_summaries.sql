-- Every box-score row, each with the contract rule it breaks (if any).
with

source as (

    select * from {{ pipemon_source('analytics', 'player_game_summary') }}
    where game_date >= {{ pipemon_source_start_date() }}

),

classified as (

    select
        source.*,
        concat(coalesce(source.game_id, '?'), ':', coalesce(source.player_lookup, '?')) as row_key,
        source.game_date as event_date,
        {{ pipemon_quarantine_reason(
            required=['game_id', 'game_date', 'player_lookup'],
            accepted=pipemon_accepted_values('analytics', 'player_game_summary'),
            timestamps=['processed_at'],
            dates=['game_date'],
            finite=['minutes_played'],
            extra=[('points < 0 or minutes_played < 0', 'negative_value')]
        ) }} as quarantine_reason
    from source

)

select * from classified
