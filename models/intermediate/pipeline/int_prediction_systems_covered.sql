-- One row per game date and prediction system: of the players with a points line, how many the
-- system predicted.
with

calendar as (

    select * from {{ ref('int_phase_deadlines') }}
    where phase = 'phase5'
        and is_game_day

),

systems as (

    select * from {{ ref('prediction_systems') }}

),

props as (

    select
        game_date,
        count(distinct concat(game_id, ':', player_lookup)) as players_with_line
    from {{ ref('stg_raw__player_points_props') }}
    group by 1

),

predicted as (

    select
        game_date,
        system_id,
        count(distinct concat(game_id, ':', player_lookup)) as players_predicted,
        count(*) as predictions,
        max(created_at) as last_prediction_at
    from {{ ref('stg_predictions__player_prop_predictions') }}
    where is_active
    group by 1, 2

),

joined as (

    select
        concat(cast(calendar.data_date as {{ dbt.type_string() }}), ':', systems.system_id) as system_day_id,
        systems.system_id,
        systems.owner,
        coalesce(props.players_with_line, 0) as players_with_line,
        coalesce(predicted.players_predicted, 0) as players_predicted,
        coalesce(predicted.predictions, 0) as predictions,
        coalesce(predicted.players_predicted, 0) * 1.0 / nullif(props.players_with_line, 0) as coverage,
        calendar.is_due,
        calendar.is_relaxed,
        calendar.data_date as game_date,
        predicted.last_prediction_at
    from calendar
    cross join systems
    left join props
        on calendar.data_date = props.game_date
    left join predicted
        on calendar.data_date = predicted.game_date
        and systems.system_id = predicted.system_id

),

flagged as (

    select
        joined.*,
        joined.is_due and not joined.is_relaxed and joined.players_with_line > 0
        and coalesce(joined.coverage, 0) < {{ var('system_coverage_min') }} as is_system_missing
    from joined

)

select * from flagged
