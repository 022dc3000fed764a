-- One row per game date and prediction system live that day: of the players with a points line,
-- how many the system predicted. Which systems are expected comes from the registry's dates.
with

calendar as (

    select * from {{ ref('int_phase_deadlines') }}
    where phase = 'phase5'
        and is_game_day
        and is_due_on_day_kind

),

systems as (

    select * from {{ ref('prediction_systems') }}

),

player_systems as (

    select * from {{ ref('int_player_lines_predicted') }}

),

predicted as (

    select
        game_date,
        system_id,
        count(case when has_line then 1 end) as players_with_line,
        count(case when has_line and is_predicted_with_line then 1 end) as players_predicted,
        cast(sum(prediction_rows) as {{ dbt.type_bigint() }}) as predictions,
        max(last_predicted_at) as last_prediction_at
    from player_systems
    group by 1, 2

),

joined as (

    select
        concat(cast(calendar.data_date as {{ dbt.type_string() }}), ':', systems.system_id) as system_day_id,
        systems.system_id,
        systems.owner,
        coalesce(predicted.players_with_line, 0) as players_with_line,
        coalesce(predicted.players_predicted, 0) as players_predicted,
        coalesce(predicted.predictions, 0) as predictions,
        coalesce(predicted.players_predicted, 0) * 1.0 / nullif(predicted.players_with_line, 0) as coverage,
        calendar.is_due,
        calendar.is_relaxed,
        calendar.data_date as game_date,
        predicted.last_prediction_at
    from calendar
    inner join systems
        on {{ pipemon_is_live('systems', 'calendar.data_date') }}
        and {{ pipemon_is_due_on('systems.due_on_day_kinds', 'calendar.day_kind') }}
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
