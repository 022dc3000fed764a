-- One row per scheduled scraper and ET date it was expected (or ran): runs, successes, records.
-- Answers "did every scheduled scraper run, and did its successes bring anything back?": a
-- scraper that writes no log row at all (blocked, or the wrong image deployed) is a finding, not
-- an absence of findings, and a "success" with 0 records is not a success. Only dates the
-- scraper log still holds whole are judged (its partitions expire after
-- `scraper_log_retention_days`; the oldest kept day is partial).
with

registry as (

    select * from {{ ref('scraper_registry') }}

),

calendar as (

    select * from {{ ref('int_calendar_dates') }}

),

executions as (

    select * from {{ ref('fct_scraper_executions') }}
    -- the fact keeps every day; read the days staging reads
    where execution_date >= {{ pipemon_source_start_date() }}

),

daily as (

    select
        scraper_name,
        game_date,
        count(*) as runs,
        count(case when is_failure then 1 end) as failures,
        count(case when is_no_data then 1 end) as no_data_runs,
        cast(sum(coalesce(record_count, 0)) as {{ dbt.type_bigint() }}) as records
    from executions
    group by 1, 2

),

expected as (

    select
        registry.scraper_name,
        registry.owner,
        registry.workflow,
        calendar.calendar_date as game_date
    from registry
    inner join calendar
        on (registry.cadence = 'daily' or calendar.is_game_day)
    where registry.is_scheduled
        and registry.is_expected_every_game_day
        and {{ pipemon_is_due_on('registry.due_on_day_kinds', 'calendar.day_kind') }}
        and calendar.calendar_date >= coalesce(registry.valid_from, calendar.calendar_date)
        and calendar.calendar_date <= coalesce(registry.valid_to, calendar.calendar_date)
        and calendar.calendar_date >= {{ pipemon_date_add(pipemon_as_of_date(), 1 - (var('scraper_log_retention_days') | int)) }}
        -- judged once its workflow's last window of the date has run (the last post-game window
        -- at 04:00 ET the next day), whenever the monitor runs
        and {{ pipemon_local_to_utc('calendar.calendar_date', 'registry.due_time_et', 'registry.due_day_offset') }}
        <= {{ pipemon_as_of() }}

),

outcomes as (

    select
        concat(expected.scraper_name, ':', cast(expected.game_date as {{ dbt.type_string() }})) as scraper_day_id,
        expected.scraper_name,
        expected.owner,
        expected.workflow,
        coalesce(daily.runs, 0) as runs,
        coalesce(daily.runs - daily.failures - daily.no_data_runs, 0) as successful_runs,
        coalesce(daily.records, 0) as records,
        expected.game_date
    from expected
    left join daily
        on expected.scraper_name = daily.scraper_name
        and expected.game_date = daily.game_date

),

flagged as (

    select
        outcomes.*,
        outcomes.runs = 0 as is_absent,
        outcomes.successful_runs > 0 and outcomes.records = 0 as is_zero_record_success
    from outcomes

)

select * from flagged
