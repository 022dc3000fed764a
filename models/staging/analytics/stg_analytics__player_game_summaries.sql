-- One row per player and game: the latest write wins.
with

accepted as (

    select * from {{ ref('base_analytics__player_game_summaries') }}
    where quarantine_reason is null

),

latest as (

    {{ pipemon_deduplicate('accepted', 'row_key', 'processed_at desc') }}

),

renamed as (

    select
        row_key as player_game_id,
        game_id,
        player_lookup,
        team_abbr,
        primary_source_used,
        points,
        minutes_played,
        coalesce(primary_source_used, 'unknown') <> 'nbac_gamebook' as is_fallback_source,
        game_date,
        processed_at
    from latest

)

select * from renamed
