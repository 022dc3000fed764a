-- One row per scheduled game: is it final, and did box scores, prop lines, features and
-- predictions arrive for it? A game that is not final yet is never "missing" box scores.
with

games as (

    select * from {{ ref('stg_raw__games') }}
    where season_type in ('regular_season', 'play_in', 'playoffs')

),

phase_days as (

    select * from {{ ref('int_phase_deadlines') }}
    where phase = 'phase3'

),

box_scores as (

    select
        game_id,
        count(*) as box_score_players,
        count(case when is_fallback_source then 1 end) as fallback_players
    from {{ ref('stg_analytics__player_game_summaries') }}
    group by 1

),

props as (

    select
        game_id,
        count(distinct player_lookup) as players_with_line
    from {{ ref('stg_raw__player_points_props') }}
    group by 1

),

features as (

    select
        game_id,
        count(*) as feature_rows
    from {{ ref('stg_predictions__ml_features') }}
    group by 1

),

predictions as (

    select
        game_id,
        count(distinct player_lookup) as players_predicted,
        count(*) as predictions
    from {{ ref('stg_predictions__player_prop_predictions') }}
    where is_active
    group by 1

),

joined as (

    select
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
        games.game_date,
        games.tip_off_date_et,
        games.tip_off_at
    from games
    left join phase_days
        on games.game_date = phase_days.data_date
    left join box_scores
        on games.game_id = box_scores.game_id
    left join props
        on games.game_id = props.game_id
    left join features
        on games.game_id = features.game_id
    left join predictions
        on games.game_id = predictions.game_id

),

flagged as (

    select
        joined.*,
        joined.is_box_score_due
        and joined.box_score_players < {{ var('box_score_players_min_per_game') }} as is_missing_box_scores
    from joined

)

select * from flagged
