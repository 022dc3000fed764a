-- One row per ET date the pipeline has data for, up to as_of's date: games, season, bootstrap,
-- and the kind of day (int_day_kinds). Games counted are those the date expects outputs of
-- (int_games_classified: not postponed, not an unplayed "if necessary" playoff game).
with

season_games as (

    -- the schedule reaches further back than the other sources (pipemon_schedule_start_date):
    -- each season's opening night is in it
    select * from {{ ref('int_games_classified') }}
    where not is_postponed

),

day_kinds as (

    select * from {{ ref('int_day_kinds') }}

),

games as (

    select * from season_games
    where game_date >= {{ pipemon_source_start_date() }}

),

executions as (

    select * from {{ ref('stg_orchestration__processor_executions') }}

),

run_history as (

    select * from {{ ref('stg_reference__processor_runs') }}
    where sport = 'nba'

),

scraper_runs as (

    select * from {{ ref('stg_orchestration__scraper_executions') }}

),

seasons as (

    select
        season_year,
        -- the data may start mid-season: var season_opening_date names the real opening night
        case
            when season_year = {{ (var('season_opening_date') or '0')[:4] }}
                then least(min(game_date), cast('{{ var("season_opening_date") or "1900-01-01" }}' as date))
            else min(game_date)
        end as season_start_date,
        max(game_date) as season_end_date
    from season_games
    -- a game without a season (a hostile row) would make a second season over its date
    where season_type = 'regular_season' and season_year is not null
    group by 1

),

daily_games as (

    select
        game_date,
        count(*) as games_scheduled,
        count(case when is_final then 1 end) as games_final,
        min(tip_off_at) as first_tip_off_at
    from games
    where is_expected
    group by 1

),

dates as (

    select game_date as calendar_date from games
    union distinct
    select data_date as calendar_date from executions
    union distinct
    select data_date as calendar_date from run_history
    union distinct
    select game_date as calendar_date from scraper_runs
    union distinct
    select {{ pipemon_as_of_date() }} as calendar_date

),

calendar as (

    select
        dates.calendar_date,
        seasons.season_year,
        seasons.season_start_date,
        coalesce(day_kinds.day_kind, 'offseason') as day_kind,
        coalesce(daily_games.games_scheduled, 0) as games_scheduled,
        coalesce(daily_games.games_final, 0) as games_final,
        {{ dbt.datediff('seasons.season_start_date', 'dates.calendar_date', 'day') }} as days_into_season,
        coalesce(daily_games.games_scheduled, 0) > 0 as is_game_day,
        coalesce(
            {{ dbt.datediff('seasons.season_start_date', 'dates.calendar_date', 'day') }} < {{ var('bootstrap_days') }},
            false
        ) as is_bootstrap,
        {{ pipemon_is_judged('dates.calendar_date') }} as is_judged,
        daily_games.first_tip_off_at
    from dates
    left join seasons
        on dates.calendar_date between seasons.season_start_date and {{ pipemon_date_add('seasons.season_end_date', 60) }}
    left join daily_games
        on dates.calendar_date = daily_games.game_date
    left join day_kinds
        on dates.calendar_date = day_kinds.calendar_date
    where dates.calendar_date <= {{ pipemon_as_of_date() }}

)

select * from calendar
