-- One row per scheduled game (game key = ET date, away, home): is it final, and did box scores,
-- prop lines, features and predictions arrive for it? A game that is not final yet is never
-- "missing" box scores; a postponed game expects nothing. Tables that carry the schedule's
-- 10-digit id (box scores of 2025-12-28..30, same-day features and predictions) are matched on
-- (game_id, game_date), the others on the game key; props carry no game at all and are placed by
-- the player's team.
with

games as (

    select * from {{ ref('stg_raw__games') }}
    where season_type in ('regular_season', 'play_in', 'playoffs')
        and not is_postponed
        -- the schedule is read further back than the rest (pipemon_schedule_start_date)
        and game_date >= {{ pipemon_source_start_date() }}

),

phase_days as (

    select * from {{ ref('int_phase_deadlines') }}
    where phase = 'phase3'

),

feature_days as (

    select * from {{ ref('int_phase_deadlines') }}
    where phase = 'phase4'

),

box_score_rows as (

    select * from {{ ref('stg_analytics__player_game_summaries') }}

),

feature_rows as (

    select * from {{ ref('stg_predictions__ml_features') }}

),

prediction_rows as (

    select * from {{ ref('stg_predictions__player_prop_predictions') }}
    where is_active

),

prop_rows as (

    select distinct
        game_date,
        player_team,
        player_lookup
    from {{ ref('stg_raw__player_points_props') }}

),

box_scores as (

    select
        games.game_key,
        count(*) as box_score_players,
        count(case when box_score_rows.is_fallback_source then 1 end) as fallback_players
    from games
    inner join box_score_rows
        on games.game_date = box_score_rows.game_date
        and (games.game_key = box_score_rows.game_key or games.game_id = box_score_rows.game_id)
    group by 1

),

props as (

    select
        games.game_key,
        count(distinct prop_rows.player_lookup) as players_with_line
    from games
    inner join prop_rows
        on games.game_date = prop_rows.game_date
        and (games.home_team_tricode = prop_rows.player_team or games.away_team_tricode = prop_rows.player_team)
    group by 1

),

features as (

    select
        games.game_key,
        count(*) as feature_rows
    from games
    inner join feature_rows
        on games.game_date = feature_rows.game_date
        and (games.game_key = feature_rows.game_key or games.game_id = feature_rows.game_id)
    group by 1

),

predictions as (

    select
        games.game_key,
        count(distinct case when prediction_rows.has_prop_line then prediction_rows.player_lookup end) as players_predicted,
        count(*) as predictions
    from games
    inner join prediction_rows
        on games.game_date = prediction_rows.game_date
        and (games.game_key = prediction_rows.game_key or games.game_id = prediction_rows.game_id)
    group by 1

),

joined as (

    select
        games.game_key,
        games.game_id,
        games.home_team_tricode,
        games.away_team_tricode,
        games.game_status,
        coalesce(box_scores.box_score_players, 0) as box_score_players,
        coalesce(box_scores.fallback_players, 0) as fallback_players,
        coalesce(props.players_with_line, 0) as players_with_line,
        coalesce(features.feature_rows, 0) as feature_rows,
        coalesce(predictions.players_predicted, 0) as players_predicted,
        coalesce(predictions.predictions, 0) as predictions,
        games.is_final,
        games.is_final and coalesce(phase_days.is_due, false) as is_box_score_due,
        coalesce(feature_days.is_due and not feature_days.is_relaxed, false) as is_features_due,
        -- the props collection window closes at tip-off (before 2025-12-23 the schedule holds no
        -- tip time: the window is closed once the ET date is over)
        coalesce(
            games.tip_off_at <= {{ pipemon_as_of() }},
            games.game_date < {{ pipemon_as_of_date() }}
        ) as is_props_window_closed,
        games.game_date,
        games.tip_off_at
    from games
    left join phase_days
        on games.game_date = phase_days.data_date
    left join feature_days
        on games.game_date = feature_days.data_date
    left join box_scores
        on games.game_key = box_scores.game_key
    left join props
        on games.game_key = props.game_key
    left join features
        on games.game_key = features.game_key
    left join predictions
        on games.game_key = predictions.game_key

),

flagged as (

    select
        joined.*,
        joined.is_box_score_due
        and joined.box_score_players < {{ var('box_score_players_min_per_game') }} as is_missing_box_scores,
        joined.is_features_due and joined.feature_rows = 0 as is_missing_features,
        joined.is_props_window_closed
        and joined.players_with_line < {{ var('props_players_min_per_game') }} as is_missing_props
    from joined

)

select * from flagged
