-- One row per schedule row (game key = ET date, away, home): what the game is on that date. A
-- postponed game expects nothing on its old date and everything on its new one, whichever state
-- its old row was left in: still scheduled (1) under an id played later, set to 9 by hand, or
-- flipped to Final (3) with nothing played by the stale-schedule fixer (every 4 hours from
-- 2026-01-23, postponed games included), which only the makeup row (the same id, or the same
-- matchup under another id while the fixer was flipping old rows: var
-- `stale_schedule_fixer_dates`) tells apart from a game whose box scores are really missing. A playoff game the
-- schedule, loaded after its date, still shows as not started was an "if necessary" game the
-- series did not need (the schedule never flags them): nothing is expected of it.
with

games as (

    select * from {{ ref('stg_raw__games') }}

),

box_score_rows as (

    select * from {{ ref('stg_analytics__player_game_summaries') }}

),

box_scores as (

    select
        games.game_key,
        count(*) as box_score_players
    from games
    inner join box_score_rows
        on games.game_date = box_score_rows.game_date
        and (games.game_key = box_score_rows.game_key or games.game_id = box_score_rows.game_id)
    group by 1

),

reused as (

    -- the same id on a later date: the NBA keeps a postponed game's id for its makeup
    select distinct games.game_key
    from games
    inner join games as later_game
        on games.game_id = later_game.game_id
        and games.game_date < later_game.game_date

),

makeups as (

    -- the same matchup later in the same season, under another id: a makeup only for an old row
    -- dated in the fixer's era (teams meet again the same way round in a season; outside it a
    -- Final row without box scores is a real missing game)
    select distinct games.game_key
    from games
    inner join games as later_game
        on games.away_team_tricode = later_game.away_team_tricode
        and games.home_team_tricode = later_game.home_team_tricode
        and games.season_year = later_game.season_year
        and games.game_date < later_game.game_date
    where games.game_date between cast('{{ var("stale_schedule_fixer_dates")[0] }}' as date)
        and cast('{{ var("stale_schedule_fixer_dates")[1] }}' as date)

),

classified as (

    select
        games.game_key,
        games.game_id,
        games.home_team_tricode,
        games.away_team_tricode,
        games.season_type,
        games.season_year,
        games.game_status,
        coalesce(box_scores.box_score_players, 0) as box_score_players,
        games.is_final,
        -- 9: set by hand on the old rows (2026-02-10); 1 or 3 (the fixer) on a past date with
        -- nothing played and the game made up later
        games.is_postponed
        or games.game_status = 9
        or (
            box_scores.game_key is null
            and (reused.game_key is not null or makeups.game_key is not null)
            and games.game_date < {{ pipemon_as_of_date() }}
        ) as is_postponed,
        games.season_type = 'playoffs'
        and games.game_status = 1
        and not games.is_postponed
        and box_scores.game_key is null
        and makeups.game_key is null
        and reused.game_key is null
        and games.game_date < {{ pipemon_as_of_date() }}
        and games.processed_at >= {{ pipemon_local_to_utc('games.game_date', "'00:00'", 1) }}
            as is_unplayed_playoff_game,
        games.is_tip_off_placeholder,
        games.game_date,
        games.tip_off_at,
        games.processed_at
    from games
    left join box_scores
        on games.game_key = box_scores.game_key
    left join reused
        on games.game_key = reused.game_key
    left join makeups
        on games.game_key = makeups.game_key

),

expected as (

    select
        classified.*,
        classified.season_type in ('regular_season', 'play_in', 'playoffs')
        and not classified.is_postponed
        and not classified.is_unplayed_playoff_game as is_expected
    from classified

)

select * from expected
