-- Per pipeline log table: when it last received a row, and whether it has gone quiet while the
-- pipeline kept running (executions that should have logged there) or beyond its usual silence.
with

expectations as (

    select * from {{ ref('log_table_expectations') }}

),

executions as (

    select * from {{ ref('fct_processor_executions') }}
    where not is_duplicate_delivery

),

calendar as (

    select * from {{ ref('int_calendar_dates') }}

),

{#- (source, table, staging model, timestamp column) of each log table watched for silence -#}
{%- set log_tables = [
    ('orchestration', 'scraper_execution_log', 'stg_orchestration__scraper_executions', 'triggered_at'),
    ('orchestration', 'processor_execution_log', 'stg_orchestration__processor_executions', 'triggered_at'),
    ('orchestration', 'dependency_check_log', 'stg_orchestration__dependency_checks', 'checked_at'),
    ('reference', 'processor_run_history', 'stg_reference__processor_runs', 'started_at'),
    ('orchestration', 'service_health_checks', 'stg_orchestration__service_health_checks', 'checked_at'),
] %}
last_rows as (

    {%- for source_name, table_name, staged, column in log_tables %}
    select
        '{{ source_name }}.{{ table_name }}' as source_key,
        '{{ var(source_name ~ "_dataset") }}.{{ table_name }}' as source_table,
        max({{ column }}) as last_row_at
    from {{ ref(staged) }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

as_of_rows as (

    select
        last_rows.source_table,
        expectations.owner,
        expectations.reference_phases,
        expectations.max_silent_hours,
        {{ dbt.datediff('last_rows.last_row_at', pipemon_as_of(), 'minute') }} / 60.0 as hours_silent,
        last_rows.last_row_at
    from last_rows
    inner join expectations
        on last_rows.source_key = expectations.source_table
    where last_rows.last_row_at is not null

),

activity_since as (

    select
        as_of_rows.source_table,
        count(executions.execution_id) as executions_since_last_row
    from as_of_rows
    left join executions
        on strpos(coalesce(as_of_rows.reference_phases, ''), executions.phase) > 0
        and executions.triggered_at > {{ pipemon_timestamp_add_minutes('as_of_rows.last_row_at', var('log_table_grace_minutes')) }}
        and executions.triggered_at <= {{ pipemon_as_of() }}
        and not executions.is_skipped
    left join calendar
        on executions.data_date = calendar.calendar_date
    where executions.execution_id is null or calendar.is_game_day
    group by 1

),

flagged as (

    select
        as_of_rows.source_table,
        as_of_rows.owner,
        as_of_rows.reference_phases,
        as_of_rows.max_silent_hours,
        as_of_rows.hours_silent,
        coalesce(activity_since.executions_since_last_row, 0) as executions_since_last_row,
        (as_of_rows.max_silent_hours is not null and as_of_rows.hours_silent > as_of_rows.max_silent_hours)
        or coalesce(activity_since.executions_since_last_row, 0) >= {{ var('log_table_min_executions_after_silence') }}
            as is_stopped,
        {{ pipemon_as_of_date() }} as as_of_date,
        as_of_rows.last_row_at
    from as_of_rows
    left join activity_since
        on as_of_rows.source_table = activity_since.source_table

)

select * from flagged
