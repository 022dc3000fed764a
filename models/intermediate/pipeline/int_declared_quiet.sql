-- One row per ET date and output that is declared quiet, and by what: a halt the pipeline declared
-- (`halt_state`, or an operator's `halt_overrides` row on a date the writer has not written yet)
-- covers the predictions (every prediction system, the predictions table, phase 5); a pause
-- declared with `pipemon pause` covers its one output. `predictions_inactive` is a symptom the
-- halt writer names, not a decision: it covers nothing (stg_orchestration__halt_states). Checks
-- skip the dates listed here (alert_when's `quiet` argument), and status and the report show them.
with

halt_states as (

    select * from {{ ref('stg_orchestration__halt_states') }}
    where is_declared_halt

),

halt_overrides as (

    select * from {{ ref('stg_orchestration__halt_overrides') }}
    where is_active

),

pause_events as (

    select * from {{ ref('stg_monitoring__pause_events') }}
    where occurred_at <= {{ pipemon_as_of() }}

),

systems as (

    select * from {{ ref('prediction_systems') }}

),

spine as (

    {{ pipemon_date_spine(pipemon_source_start_date(), pipemon_date_add(pipemon_as_of_date(), 366)) }}

),

override_days as (

    select
        'halt' as quiet_kind,
        -- the writer copies the override's reason into its row (`manual` unless the operator named one)
        halt_overrides.halt_reason as quiet_reason,
        halt_overrides.note as quiet_note,
        halt_overrides.created_by as declared_by,
        spine.calendar_date as quiet_date,
        halt_overrides.start_date as quiet_since_date,
        halt_overrides.end_date as quiet_until_date,
        halt_overrides.created_at as declared_at
    from halt_overrides
    inner join spine
        on halt_overrides.start_date <= spine.calendar_date
        and coalesce(halt_overrides.end_date, {{ pipemon_as_of_date() }}) >= spine.calendar_date

),

halt_days as (

    select
        'halt' as quiet_kind,
        halt_reason as quiet_reason,
        cast(null as {{ dbt.type_string() }}) as quiet_note,
        coalesce(actor, written_by_source) as declared_by,
        effective_date as quiet_date,
        halt_since_date as quiet_since_date,
        cast(null as date) as quiet_until_date,
        written_at as declared_at
    from halt_states

),

halts as (

    -- the writer's row wins over the override it was made from
    select * from halt_days
    union all
    select override_days.*
    from override_days
    left join halt_days
        on override_days.quiet_date = halt_days.quiet_date
    where halt_days.quiet_date is null

),

halted_outputs as (

    select system_id as output_name from systems
    union all
    select '{{ var("predictions_dataset") }}.player_prop_predictions' as output_name
    union all
    select 'phase5' as output_name

),

halted as (

    select
        halted_outputs.output_name,
        halts.*
    from halts
    cross join halted_outputs

),

pauses as (

    select
        pause_id,
        max(case when event_type = 'paused' then output_name end) as output_name,
        max(case when event_type = 'paused' then reason end) as reason,
        max(case when event_type = 'paused' then actor end) as actor,
        max(case when event_type = 'paused' then first_date end) as first_date,
        max(case when event_type = 'paused' then until_date end) as until_date,
        max(case when event_type = 'paused' then occurred_at end) as paused_at,
        min(case when event_type = 'ended' then occurred_at end) as ended_at
    from pause_events
    group by pause_id

),

paused as (

    select
        pauses.output_name,
        'pause' as quiet_kind,
        pauses.reason as quiet_reason,
        pauses.pause_id as quiet_note,
        pauses.actor as declared_by,
        spine.calendar_date as quiet_date,
        pauses.first_date as quiet_since_date,
        pauses.until_date as quiet_until_date,
        pauses.paused_at as declared_at
    from pauses
    inner join spine
        on pauses.first_date <= spine.calendar_date
        and pauses.until_date >= spine.calendar_date
        -- ended early: the day it was ended is no longer covered
        and (pauses.ended_at is null or {{ pipemon_to_et_date('pauses.ended_at') }} > spine.calendar_date)
    where pauses.output_name is not null

),

unioned as (

    select * from halted
    union all
    select * from paused

),

ranked as (

    -- one row per date and output: a declared halt before a pause, then the latest declaration
    {{ pipemon_deduplicate('unioned', 'quiet_date, output_name', "case when quiet_kind = 'halt' then 0 else 1 end, declared_at desc") }}

),

final as (

    select
        concat(cast(quiet_date as {{ dbt.type_string() }}), ':', output_name) as declared_quiet_id,
        output_name,
        quiet_kind,
        quiet_reason,
        quiet_note,
        declared_by,
        quiet_date,
        quiet_since_date,
        quiet_until_date,
        declared_at
    from ranked

)

select * from final
