-- One row per scheduled game (game key = ET date, away, home): is it final, and did box scores,
-- prop lines, features and predictions arrive for it? A game that is not final yet is never
-- "missing" box scores; a postponed game expects nothing on its old date (int_games_classified),
-- nor an "if necessary" playoff game that was never played (a warning of its own), and each output
-- is expected only on the kinds of day its phase produces it (phase_deadlines.due_on_day_kinds).
-- Tables that carry the schedule's
-- 10-digit id (box scores of 2025-12-28..30, same-day features and predictions) are matched on
-- (game_id, game_date), the others on the game key; props carry no game at all and are placed by
-- the player's team. A game whose box scores came from a fallback on a date the primary
-- box-score processor (its runs are per game) logged a failed run nothing retried is named with
-- the game: the day's other successful runs hide that one game's failure.
with

games as (

    select * from {{ ref('int_games_classified') }}
    where (is_expected or is_unplayed_playoff_game)
        -- the schedule is read further back than the rest (pipemon_schedule_start_date)
        and game_date >= {{ pipemon_source_start_date() }}

),

prop_days as (

    select * from {{ ref('int_phase_deadlines') }}
    where phase = 'phase2'

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

registry as (

    select * from {{ ref('processor_registry') }}

),

primary_source_runs as (

    select runs.*
    from {{ ref('int_processor_runs_registered') }} as runs
    inner join registry
        on runs.processor_name = registry.processor_name
    where registry.is_primary_box_score_source

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

primary_source_failed as (

    select * from primary_source_runs
    where is_failure

),

primary_source_retried as (

    -- a failed run redone by a later retry of the same processor and date was the same work
    select distinct primary_source_failed.run_id
    from primary_source_failed
    inner join primary_source_runs as later_run
        on primary_source_failed.processor_name = later_run.processor_name
        and primary_source_failed.data_date = later_run.data_date
        and primary_source_failed.started_at < later_run.started_at
        and primary_source_failed.retry_attempt < later_run.retry_attempt

),

primary_source_succeeded as (

    select
        data_date,
        count(*) as successful_runs
    from primary_source_runs
    where status = 'success'
    group by 1

),

primary_source_failures as (

    -- only where other runs of the date succeeded: a processor that failed outright is
    -- processor_failed_after_retries' finding, not one game's
    select
        primary_source_failed.data_date,
        count(*) as failed_runs,
        max(primary_source_failed.first_error_message) as last_error_message
    from primary_source_failed
    inner join primary_source_succeeded
        on primary_source_failed.data_date = primary_source_succeeded.data_date
    left join primary_source_retried
        on primary_source_failed.run_id = primary_source_retried.run_id
    where primary_source_retried.run_id is null
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
        coalesce(primary_source_failures.failed_runs, 0) as primary_source_failed_runs,
        primary_source_failures.last_error_message as primary_source_error,
        games.is_final,
        games.is_unplayed_playoff_game,
        games.is_final and coalesce(phase_days.is_due and phase_days.is_due_on_day_kind, false) as is_box_score_due,
        not games.is_unplayed_playoff_game
        and coalesce(feature_days.is_due and feature_days.is_due_on_day_kind and not feature_days.is_relaxed, false)
            as is_features_due,
        not games.is_unplayed_playoff_game and coalesce(prop_days.is_due_on_day_kind, false) as is_props_due,
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
    left join prop_days
        on games.game_date = prop_days.data_date
    left join box_scores
        on games.game_key = box_scores.game_key
    left join props
        on games.game_key = props.game_key
    left join features
        on games.game_key = features.game_key
    left join predictions
        on games.game_key = predictions.game_key
    left join primary_source_failures
        on games.game_date = primary_source_failures.data_date

),

flagged as (

    select
        joined.*,
        joined.is_box_score_due
        and joined.box_score_players < {{ var('box_score_players_min_per_game') }} as is_missing_box_scores,
        joined.is_features_due and joined.feature_rows = 0 as is_missing_features,
        joined.is_props_due
        and joined.is_props_window_closed
        and joined.players_with_line < {{ var('props_players_min_per_game') }} as is_missing_props,
        joined.fallback_players > 0 and joined.primary_source_failed_runs > 0 as is_failed_run_filled_by_fallback
    from joined

)

select * from flagged
