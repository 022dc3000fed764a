-- One row per game, keyed by (game_id, game_date): a game_id is reused when a game is postponed,
-- and until the MERGE (2026-01-11) each load appended the season again, so conflicting rows occur;
-- the latest load wins, except that a final game never goes back to scheduled or live.
-- `game_date_est` holds the ET tip-off wall clock stored as UTC (a midnight placeholder before
-- 2025-12-23): the real instant is that wall clock read in America/New_York.
with

accepted as (

    select * from {{ ref('base_raw__schedule_snapshots') }}
    where quarantine_reason is null

),

latest as (

    {{ pipemon_deduplicate('accepted', 'row_key', 'case when game_status = 3 then 1 else 0 end desc, processed_at desc, game_status desc') }}

),

reused as (

    select
        game_id,
        max(game_date) as last_game_date
    from latest
    group by 1

),

renamed as (

    select
        {{ pipemon_game_key('latest.game_date', 'latest.away_team_tricode', 'latest.home_team_tricode') }} as game_key,
        latest.game_id,
        latest.home_team_tricode,
        latest.away_team_tricode,
        case substr(latest.game_id, 3, 1)
            when '1' then 'preseason'
            when '2' then 'regular_season'
            when '3' then 'all_star'
            when '4' then 'playoffs'
            when '5' then 'play_in'
            else 'unknown'
        end as season_type,
        latest.data_source,
        latest.season_year,
        latest.game_status,
        latest.game_status = 3 as is_final,
        -- the same id played on a later date: this date's row is the postponed game
        latest.game_date < reused.last_game_date and latest.game_status <> 3 as is_postponed,
        {{ dbt.date_trunc('day', 'latest.game_date_est') }} = latest.game_date_est as is_tip_off_placeholder,
        latest.game_date,
        case
            when {{ dbt.date_trunc('day', 'latest.game_date_est') }} <> latest.game_date_est
                then {{ pipemon_et_wall_clock_to_utc('latest.game_date_est') }}
        end as tip_off_at,
        latest.processed_at
    from latest
    inner join reused
        on latest.game_id = reused.game_id

)

select * from renamed
