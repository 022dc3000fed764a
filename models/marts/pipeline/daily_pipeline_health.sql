{{ config(**pipemon_daily_mart('game_date')) }}
-- One row per ET game date: did the day's pipeline complete? Expected vs actual (games scheduled,
-- final, with box scores; players with a line and with predictions from every system; feature
-- rows), each phase against its deadline, and one overall status. A date the pipeline declared
-- halted (int_declared_quiet) is HALTED, not INCOMPLETE: the phases and systems declared quiet are
-- not expected (a pause of one of them likewise).
with

declared_quiet as (

    select * from {{ ref('int_declared_quiet') }}

),

calendar as (

    select * from {{ ref('int_calendar_dates') }}

),

games as (

    select * from {{ ref('int_games_covered') }}

),

phases as (

    select
        phases.*,
        declared_quiet.quiet_date is not null as is_declared_quiet
    from {{ ref('int_phases_completed') }} as phases
    left join declared_quiet
        on phases.phase = declared_quiet.output_name
        and phases.data_date = declared_quiet.quiet_date

),

systems as (

    select
        systems.*,
        declared_quiet.quiet_date is not null as is_declared_quiet
    from {{ ref('int_prediction_systems_covered') }} as systems
    left join declared_quiet
        on systems.system_id = declared_quiet.output_name
        and systems.game_date = declared_quiet.quiet_date

),

halts as (

    select
        quiet_date,
        max(quiet_reason) as halt_reason,
        min(quiet_since_date) as halted_since_date
    from declared_quiet
    where quiet_kind = 'halt'
        and output_name = 'phase5'
    group by 1

),

quality as (

    select * from {{ ref('int_data_quality_measured') }}

),

player_systems as (

    select * from {{ ref('int_player_lines_predicted') }}
    where has_line

),

fully_predicted as (

    -- players with a line predicted by every system live that day
    select
        game_date,
        count(*) as players_predicted_all_systems
    from (
        select
            game_date,
            player_lookup
        from player_systems
        group by 1, 2
        having count(case when not is_predicted_with_line then 1 end) = 0
    ) as complete_players
    group by 1

),

game_totals as (

    select
        game_date,
        count(case when box_score_players > 0 then 1 end) as games_with_box_scores,
        count(case when is_missing_box_scores then 1 end) as games_missing_box_scores,
        count(case when is_box_score_due then 1 end) as games_due
    from games
    group by 1

),

phase_pivot as (

    select
        data_date,
        {%- for n in range(1, 6) %}
            max(case when phase = 'phase{{ n }}' then phase_status end) as phase{{ n }}_status,
            max(case when phase = 'phase{{ n }}' then completed_at end) as phase{{ n }}_completed_at,
            max(case when phase = 'phase{{ n }}' then deadline_at end) as phase{{ n }}_deadline_at,
        {%- endfor %}
        count(case when is_due and not is_relaxed and not is_declared_quiet then 1 end) as phases_due,
        count(case when is_due and not is_relaxed and not is_declared_quiet and phase_status = 'on_time' then 1 end) as phases_on_time,
        count(case when not is_relaxed and not is_declared_quiet and phase_status = 'late' then 1 end) as phases_late,
        count(case when is_not_triggered and not is_declared_quiet then 1 end) as phases_not_triggered,
        max(case when phase = 'phase3' and is_due then 1 else 0 end) = 1 as is_results_due,
        max(case when phase = 'phase5' and is_due then 1 else 0 end) = 1 as is_predictions_due
    from phases
    group by 1

),

system_totals as (

    select
        game_date,
        count(*) as systems_expected,
        count(case when is_system_missing and not is_declared_quiet then 1 end) as systems_missing
    from systems
    group by 1

),

joined as (

    select
        calendar.calendar_date as game_date,
        calendar.season_year,
        calendar.games_scheduled,
        calendar.games_final,
        coalesce(game_totals.games_with_box_scores, 0) as games_with_box_scores,
        coalesce(game_totals.games_missing_box_scores, 0) as games_missing_box_scores,
        coalesce(quality.players_with_line, 0) as players_with_line,
        coalesce(fully_predicted.players_predicted_all_systems, 0) as players_predicted_all_systems,
        coalesce(fully_predicted.players_predicted_all_systems, 0) * 1.0 / nullif(quality.players_with_line, 0)
            as prediction_coverage,
        coalesce(quality.feature_rows, 0) as feature_rows,
        coalesce(system_totals.systems_expected, 0) as systems_expected,
        coalesce(system_totals.systems_missing, 0) as systems_missing,
        coalesce(quality.missing_player_rate, 0) as missing_player_rate,
        coalesce(phase_pivot.phases_due, 0) as phases_due,
        coalesce(phase_pivot.phases_on_time, 0) as phases_on_time,
        coalesce(phase_pivot.phases_late, 0) as phases_late,
        coalesce(phase_pivot.phases_not_triggered, 0) as phases_not_triggered,
        {%- for n in range(1, 6) %}
            phase_pivot.phase{{ n }}_status,
        {%- endfor %}
        halts.halt_reason,
        calendar.is_game_day,
        calendar.is_bootstrap,
        halts.quiet_date is not null as is_declared_halt,
        coalesce(phase_pivot.is_results_due, false) as is_results_due,
        coalesce(phase_pivot.is_predictions_due, false) as is_predictions_due,
        {%- for n in range(1, 6) %}
            phase_pivot.phase{{ n }}_completed_at,
            phase_pivot.phase{{ n }}_deadline_at,
        {%- endfor %}
        halts.halted_since_date,
        calendar.first_tip_off_at
    from calendar
    left join game_totals
        on calendar.calendar_date = game_totals.game_date
    left join quality
        on calendar.calendar_date = quality.game_date
    left join fully_predicted
        on calendar.calendar_date = fully_predicted.game_date
    left join phase_pivot
        on calendar.calendar_date = phase_pivot.data_date
    left join system_totals
        on calendar.calendar_date = system_totals.game_date
    left join halts
        on calendar.calendar_date = halts.quiet_date

),

statused as (

    select
        case
            when not joined.is_game_day then 'NO_GAMES'
            when
                (joined.is_results_due and joined.games_final > 0 and joined.games_with_box_scores = 0)
                or (
                    joined.is_predictions_due and not joined.is_bootstrap and not joined.is_declared_halt
                    and joined.players_with_line > 0
                    and joined.players_predicted_all_systems = 0 and joined.systems_missing >= joined.systems_expected
                )
                then 'INCOMPLETE'
            when
                joined.games_missing_box_scores > 0
                or joined.phases_not_triggered > 0
                or joined.systems_missing > 0
                or (
                    joined.is_predictions_due and not joined.is_bootstrap and not joined.is_declared_halt
                    and joined.missing_player_rate > {{ var('missing_player_rate_max') }}
                )
                then 'PARTIAL'
            when not joined.is_results_due then 'IN_PROGRESS'
            when joined.is_declared_halt then 'HALTED'
            when joined.is_bootstrap then 'BOOTSTRAP'
            else 'COMPLETE'
        end as overall_status,
        joined.*
    from joined

)

select * from statused
{{ pipemon_where_rewritten('game_date') }}
