-- One row per ET game date and output table: the games whose output was due, how many of them
-- have it, and the rows found. Answers "did every phase's output arrive for every game?" against
-- the schedule, each at its own moment: prop lines once the game's collection window has closed
-- (tip-off), box scores once the game is final and phase 3 is due, features once phase 4 is due
-- (bootstrap days relaxed). A morning with no lines yet for an evening game is not short.
with

games as (

    select * from {{ ref('int_games_covered') }}

),

volumes as (

    select
        game_date,
        '{{ var("raw_dataset") }}.bettingpros_player_points_props' as output_table,
        count(case when is_props_window_closed then 1 end) as games_due,
        count(case when is_props_window_closed and not is_missing_props then 1 end) as games_with_output,
        sum(case when is_props_window_closed then players_with_line else 0 end) as rows_found
    from games
    group by 1, 2

    union all

    select
        game_date,
        '{{ var("analytics_dataset") }}.player_game_summary' as output_table,
        count(case when is_box_score_due then 1 end) as games_due,
        count(case when is_box_score_due and not is_missing_box_scores then 1 end) as games_with_output,
        sum(case when is_box_score_due then box_score_players else 0 end) as rows_found
    from games
    group by 1, 2

    union all

    select
        game_date,
        '{{ var("predictions_dataset") }}.ml_feature_store_v2' as output_table,
        count(case when is_features_due then 1 end) as games_due,
        count(case when is_features_due and not is_missing_features then 1 end) as games_with_output,
        sum(case when is_features_due then feature_rows else 0 end) as rows_found
    from games
    group by 1, 2

),

flagged as (

    select
        concat(output_table, ':', cast(game_date as {{ dbt.type_string() }})) as output_day_id,
        output_table,
        cast(games_due as {{ dbt.type_bigint() }}) as games_due,
        cast(games_with_output as {{ dbt.type_bigint() }}) as games_with_output,
        cast(games_due - games_with_output as {{ dbt.type_bigint() }}) as games_missing_output,
        cast(rows_found as {{ dbt.type_bigint() }}) as rows_found,
        games_with_output < games_due as is_short,
        game_date
    from volumes

)

select * from flagged
