-- One row per ET date from the schedule's first date to as_of's: what kind of day it is, read
-- from the schedule (game_id prefixes), never from dates written here. A date with games is the
-- kind of its games (playoffs over play-in over regular season over preseason; All-Star rows
-- alone make a break day); a date without is the regular season's (a night off), the All-Star
-- break's (a run of `break_min_days` dates without games inside the regular season, or around an
-- All-Star row), the postseason's (between the regular season's last game and the season's last
-- scheduled game), the preseason's, or the offseason's. Registries say which kinds each job and
-- output is due on (`due_on_day_kinds`).
with

games as (

    select * from {{ ref('int_games_classified') }}
    where not is_postponed
        and not is_unplayed_playoff_game
        and season_year is not null

),

seasons as (

    select
        season_year,
        min(game_date) as first_game_date,
        min(case when season_type = 'regular_season' then game_date end) as regular_start_date,
        max(case when season_type = 'regular_season' then game_date end) as regular_end_date,
        min(case when season_type = 'playoffs' then game_date end) as playoffs_start_date,
        max(game_date) as last_game_date
    from games
    group by 1

),

daily as (

    select
        game_date,
        max(case season_type
            when 'playoffs' then 5
            when 'play_in' then 4
            when 'regular_season' then 3
            when 'preseason' then 2
            when 'all_star' then 1
            else 0
        end) as kind_rank
    from games
    group by 1

),

spine as (

    {{ pipemon_date_spine('(select min(game_date) from ' ~ ref('stg_raw__games') ~ ')', pipemon_as_of_date()) }}

),

marked as (

    select
        spine.calendar_date,
        daily.kind_rank,
        max(case when daily.kind_rank >= 2 then spine.calendar_date end)
            over (order by spine.calendar_date rows between unbounded preceding and current row)
            as previous_game_date,
        min(case when daily.kind_rank >= 2 then spine.calendar_date end)
            over (order by spine.calendar_date rows between current row and unbounded following)
            as next_game_date,
        max(case when daily.kind_rank = 1 then spine.calendar_date end)
            over (order by spine.calendar_date rows between unbounded preceding and current row)
            as previous_all_star_date,
        min(case when daily.kind_rank = 1 then spine.calendar_date end)
            over (order by spine.calendar_date rows between current row and unbounded following)
            as next_all_star_date
    from spine
    left join daily
        on spine.calendar_date = daily.game_date

),

breaks as (

    -- a long run without games, or one with an All-Star row in it
    select
        marked.*,
        coalesce(
            {{ dbt.datediff('marked.previous_game_date', 'marked.next_game_date', 'day') }} > {{ var('break_min_days') }}
            or marked.previous_all_star_date > marked.previous_game_date
            or marked.next_all_star_date < marked.next_game_date,
            false
        ) as is_break
    from marked

),

kinds as (

    select
        breaks.calendar_date,
        seasons.season_year,
        case
            when breaks.kind_rank = 5 then 'playoffs'
            when breaks.kind_rank = 4 then 'play_in'
            when breaks.kind_rank = 3 then 'regular_season'
            when breaks.kind_rank = 2 then 'preseason'
            when breaks.kind_rank = 1 then 'all_star_break'
            when seasons.season_year is null then 'offseason'
            when seasons.regular_start_date is null or breaks.calendar_date < seasons.regular_start_date
                then 'preseason'
            when breaks.calendar_date <= seasons.regular_end_date and breaks.is_break then 'all_star_break'
            when breaks.calendar_date <= seasons.regular_end_date then 'regular_season'
            when breaks.calendar_date < coalesce(seasons.playoffs_start_date, seasons.last_game_date) then 'play_in'
            else 'playoffs'
        end as day_kind,
        coalesce(breaks.kind_rank, 0) >= 3 as has_games
    from breaks
    left join seasons
        on breaks.calendar_date between seasons.first_game_date and seasons.last_game_date

)

select * from kinds
