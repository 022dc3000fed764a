-- One row per player and game: the latest write wins. `game_id` is `YYYYMMDD_AWAY_HOME` (the game
-- key itself) except 2025-12-28..30, when the gamebook wrote the schedule's 10-digit id.
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
        case when {{ pipemon_is_date_based_game_id('game_id') }} then game_id end as game_key,
        player_lookup,
        team_abbr,
        opponent_team_abbr,
        primary_source_used,
        points,
        cast(minutes_played as {{ dbt.type_float() }}) as minutes_played,
        coalesce(is_active, true) as is_active,
        coalesce(primary_source_used, 'unknown') <> 'nbac_gamebook' as is_fallback_source,
        game_date,
        processed_at
    from latest

)

select * from renamed
