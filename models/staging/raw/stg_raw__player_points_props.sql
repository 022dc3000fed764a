-- One points line per game date, player and bookmaker: the latest snapshot wins, and its over and
-- under rows are one line. The props carry no game id: the player's team places them in a game.
with

accepted as (

    select * from {{ ref('base_raw__player_points_props') }}
    where quarantine_reason is null
        and scope_reason is null

),

latest as (

    {{ pipemon_deduplicate('accepted', 'row_key', "processed_at desc, coalesce(is_active, true) desc, bet_side") }}

),

renamed as (

    select
        row_key as prop_line_id,
        bp_event_id,
        player_lookup,
        player_team,
        bookmaker,
        points_line,
        coalesce(is_active, true) as is_active,
        game_date,
        processed_at
    from latest

)

select * from renamed
