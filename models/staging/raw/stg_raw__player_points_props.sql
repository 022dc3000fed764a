-- One row per game, player and bookmaker: the latest line wins.
with

accepted as (

    select * from {{ ref('base_raw__player_points_props') }}
    where quarantine_reason is null

),

latest as (

    {{ pipemon_deduplicate('accepted', 'row_key', 'processed_at desc') }}

),

renamed as (

    select
        row_key as prop_line_id,
        game_id,
        player_lookup,
        bookmaker,
        points_line,
        game_date,
        processed_at
    from latest

)

select * from renamed
