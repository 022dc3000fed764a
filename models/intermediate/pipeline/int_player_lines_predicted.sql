-- One row per game date, player and prediction system live that day, for every player with a
-- points line or a prediction: the one place "players with a line" and "players predicted" are
-- counted. A system writes several line rows per player (up to 5 until 2026-02-09) and reruns
-- appended duplicates before 2025-12-29: they count once here. Rostered players without a line are
-- predicted with NO_LINE and are not expected to have a line-based prediction.
with

postponed_teams as (

    -- a postponed game's players keep the lines scraped before it was called off, and its
    -- predictions are deactivated: on its old date nobody of either team is expected
    select
        game_date,
        home_team_tricode as team
    from {{ ref('int_games_classified') }}
    where is_postponed
    union distinct
    select
        game_date,
        away_team_tricode as team
    from {{ ref('int_games_classified') }}
    where is_postponed

),

lines as (

    select distinct
        props.game_date,
        props.player_lookup
    from {{ ref('stg_raw__player_points_props') }} as props
    left join postponed_teams
        on props.game_date = postponed_teams.game_date
        and props.player_team = postponed_teams.team
    where postponed_teams.team is null

),

predictions as (

    select * from {{ ref('stg_predictions__player_prop_predictions') }}
    where is_active

),

systems as (

    select * from {{ ref('prediction_systems') }}

),

predicted as (

    select
        game_date,
        player_lookup,
        system_id,
        count(*) as prediction_rows,
        count(case when has_prop_line then 1 end) as line_prediction_rows,
        avg(case when has_prop_line then confidence_score end) as confidence_score,
        max(case when recommendation = 'PASS' then 1 else 0 end) = 1 as is_pass,
        max(created_at) as last_predicted_at
    from predictions
    group by 1, 2, 3

),

players as (

    select
        game_date,
        player_lookup
    from lines
    union distinct
    select
        game_date,
        player_lookup
    from predicted

),

expected as (

    select
        players.game_date,
        players.player_lookup,
        systems.system_id
    from players
    inner join systems
        on {{ pipemon_is_live('systems', 'players.game_date') }}

),

joined as (

    select
        concat(cast(expected.game_date as {{ dbt.type_string() }}), ':', expected.player_lookup, ':', expected.system_id) as player_system_day_id,
        expected.player_lookup,
        expected.system_id,
        coalesce(predicted.prediction_rows, 0) as prediction_rows,
        predicted.confidence_score,
        lines.player_lookup is not null as has_line,
        coalesce(predicted.line_prediction_rows, 0) > 0 as is_predicted_with_line,
        coalesce(predicted.prediction_rows, 0) > 0 as is_predicted,
        coalesce(predicted.is_pass, false) as is_pass,
        expected.game_date,
        predicted.last_predicted_at
    from expected
    left join lines
        on expected.game_date = lines.game_date
        and expected.player_lookup = lines.player_lookup
    left join predicted
        on expected.game_date = predicted.game_date
        and expected.player_lookup = predicted.player_lookup
        and expected.system_id = predicted.system_id

)

select * from joined
