-- Data quality per game date: fallback-source usage, players with a line but no prediction,
-- prediction confidence, and feature-store completeness, quality and freshness.
with

calendar as (

    select * from {{ ref('int_calendar_dates') }}
    where is_game_day

),

phase_days as (

    select * from {{ ref('int_phase_deadlines') }}

),

games as (

    select * from {{ ref('int_games_covered') }}

),

player_systems as (

    select * from {{ ref('int_player_lines_predicted') }}

),

features as (

    select * from {{ ref('stg_predictions__ml_features') }}

),

box_score_sources as (

    select
        game_date,
        count(case when box_score_players > 0 then 1 end) as games_with_box_scores,
        count(case when box_score_players > 0 and fallback_players * 2 > box_score_players then 1 end)
            as fallback_games
    from games
    group by 1

),

players as (

    select
        game_date,
        player_lookup,
        max(case when has_line then 1 else 0 end) = 1 as has_line,
        max(case when is_predicted_with_line then 1 else 0 end) = 1 as is_predicted_with_line
    from player_systems
    group by 1, 2

),

missing_players as (

    select
        game_date,
        count(*) as players_with_line,
        count(case when not is_predicted_with_line then 1 end) as players_without_prediction
    from players
    where has_line
    group by 1

),

confidence as (

    select
        game_date,
        count(*) as predictions,
        {{ pipemon_percentile('confidence_score', 0.1) }} as confidence_p10,
        {{ pipemon_percentile('confidence_score', 0.5) }} as confidence_p50,
        {{ pipemon_percentile('confidence_score', 0.9) }} as confidence_p90,
        avg(case when is_pass then 1.0 else 0.0 end) as pass_share
    from player_systems
    where is_predicted_with_line
    group by 1

),

feature_quality as (

    select
        game_date,
        count(*) as feature_rows,
        avg(
            case
                {%- for version, count in var('feature_count_expected').items() %}
                    when feature_version = '{{ version }}' and feature_count >= {{ count }} then 1.0
                    when feature_version = '{{ version }}' then 0.0
                {%- endfor %}
                when is_early_season then 0.0
                else 1.0
            end
        ) as feature_complete_share,
        avg(feature_quality_score) as feature_quality_avg,
        max(created_at) as features_created_at
    from features
    group by 1

),

daily as (

    select
        calendar.calendar_date as game_date,
        calendar.games_scheduled,
        coalesce(box_score_sources.games_with_box_scores, 0) as games_with_box_scores,
        coalesce(box_score_sources.fallback_games, 0) as fallback_games,
        box_score_sources.fallback_games * 1.0 / nullif(box_score_sources.games_with_box_scores, 0) as fallback_game_rate,
        coalesce(missing_players.players_with_line, 0) as players_with_line,
        coalesce(missing_players.players_without_prediction, 0) as players_without_prediction,
        missing_players.players_without_prediction * 1.0 / nullif(missing_players.players_with_line, 0) as missing_player_rate,
        coalesce(confidence.predictions, 0) as predictions,
        confidence.confidence_p10,
        confidence.confidence_p50,
        confidence.confidence_p90,
        confidence.pass_share,
        coalesce(feature_quality.feature_rows, 0) as feature_rows,
        feature_quality.feature_complete_share,
        feature_quality.feature_quality_avg,
        {{ dbt.datediff('feature_quality.features_created_at', 'calendar.first_tip_off_at', 'minute') }} as feature_lead_minutes,
        calendar.is_bootstrap,
        -- due, and produced on this kind of day at all (no predictions in the play-in or playoffs)
        coalesce(phase3.is_due and phase3.is_due_on_day_kind, false) as is_box_score_due,
        coalesce(phase5.is_due and phase5.is_due_on_day_kind, false) as is_prediction_due,
        feature_quality.features_created_at
    from calendar
    left join box_score_sources
        on calendar.calendar_date = box_score_sources.game_date
    left join missing_players
        on calendar.calendar_date = missing_players.game_date
    left join confidence
        on calendar.calendar_date = confidence.game_date
    left join feature_quality
        on calendar.calendar_date = feature_quality.game_date
    left join phase_days as phase3
        on calendar.calendar_date = phase3.data_date
        and phase3.phase = 'phase3'
    left join phase_days as phase5
        on calendar.calendar_date = phase5.data_date
        and phase5.phase = 'phase5'

),

marked as (

    {{ pipemon_mark_comparable_days('daily', 'game_date', "'player_game_summary'") }}

),

comparable as (

    {{ pipemon_comparable_days('marked', pipemon_stored_mart('daily_data_quality'), [], 'game_date', ['fallback_game_rate']) }}

),

baselines as (

    {{ pipemon_rolling_baseline('comparable', [], 'game_date', ['fallback_game_rate']) }}

),

flagged as (

    select
        marked.*,
        baselines.baseline_days,
        baselines.baseline_fallback_game_rate,
        marked.is_box_score_due
        and marked.games_with_box_scores >= {{ var('fallback_rate_min_games') }}
        and marked.fallback_game_rate > {{ var('fallback_rate_max') }}
        and baselines.baseline_days >= {{ var('baseline_min_days') }}
        and marked.fallback_game_rate > {{ var('fallback_rate_baseline_ratio') }} * coalesce(baselines.baseline_fallback_game_rate, 0) as is_fallback_spike,
        marked.is_prediction_due and not marked.is_bootstrap
        and marked.missing_player_rate > {{ var('missing_player_rate_max') }} as is_missing_players,
        marked.is_prediction_due and not marked.is_bootstrap
        and (
            marked.feature_rows = 0
            or marked.feature_quality_avg < {{ var('feature_quality_min') }}
            or marked.feature_complete_share < {{ var('feature_complete_share_min') }}
        ) as is_feature_store_degraded
    from marked
    left join baselines
        on marked.game_date = baselines.game_date

)

select * from flagged
