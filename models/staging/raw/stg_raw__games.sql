-- One row per game: the latest schedule snapshot wins.
with

accepted as (

    select * from {{ ref('base_raw__schedule_snapshots') }}
    where quarantine_reason is null

),

latest as (

    {{ pipemon_deduplicate('accepted', 'game_id', 'processed_at desc, game_status desc') }}

),

renamed as (

    select
        game_id,
        home_team_tricode,
        away_team_tricode,
        case substr(game_id, 3, 1)
            when '1' then 'preseason'
            when '2' then 'regular_season'
            when '3' then 'all_star'
            when '4' then 'playoffs'
            when '5' then 'play_in'
            else 'unknown'
        end as season_type,
        season_year,
        game_status,
        game_status = 3 as is_final,
        game_date,
        {{ pipemon_to_et_date('game_date_est') }} as tip_off_date_et,
        game_date_est as tip_off_at,
        processed_at
    from latest

)

select * from renamed
