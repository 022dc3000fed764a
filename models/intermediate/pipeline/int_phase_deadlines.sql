-- Each phase's deadline for each calendar date, whether it has passed at as_of, and whether the
-- phase's outputs are expected on the date's kind of day at all (phase_deadlines.due_on_day_kinds).
with

calendar as (

    select * from {{ ref('int_calendar_dates') }}

),

deadlines as (

    select * from {{ ref('phase_deadlines') }}

),

phase_days as (

    select
        concat(cast(calendar.calendar_date as {{ dbt.type_string() }}), ':', deadlines.phase) as phase_day_id,
        deadlines.phase,
        deadlines.phase_label,
        deadlines.completion_source,
        deadlines.schedule_note,
        cast(deadlines.phase_number as {{ dbt.type_bigint() }}) as phase_number,
        calendar.games_scheduled,
        calendar.is_game_day,
        calendar.day_kind,
        {{ pipemon_is_due_on('deadlines.due_on_day_kinds', 'calendar.day_kind') }} as is_due_on_day_kind,
        calendar.is_bootstrap,
        calendar.is_bootstrap and deadlines.phase in ('phase4', 'phase5') as is_relaxed,
        calendar.is_judged,
        -- where the phase's completion is read from on this date: the orchestrator's Firestore
        -- state while it existed (the phase-2 orchestrator was deleted 2026-02-11), else run history
        case
            when deadlines.completion_source = 'firestore'
                and calendar.calendar_date > deadlines.firestore_valid_to
                then 'run_history'
            else deadlines.completion_source
        end as completion_source_on_date,
        calendar.calendar_date as data_date,
        {{ pipemon_local_to_utc('calendar.calendar_date', 'deadlines.deadline_time_et', 'deadlines.deadline_day_offset') }} as deadline_at
    from calendar
    cross join deadlines

),

{%- set predictions_kept = pipemon_partition_expiration_days('predictions', 'player_prop_predictions') %}

flagged as (

    -- a date whose predictions have expired (the table drops partitions older than its
    -- partition_expiration_days) is not due: the rows are gone by design, not missing
    select
        phase_days.*,
        phase_days.deadline_at <= {{ pipemon_as_of() }}
        and (
            phase_days.completion_source <> 'predictions'
            or phase_days.data_date > {{ pipemon_date_add(pipemon_as_of_date(), -(predictions_kept or 100000)) }}
        ) as is_due
    from phase_days

)

select * from flagged
