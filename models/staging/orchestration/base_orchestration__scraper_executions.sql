-- Every row of the scraper execution log, each with the contract rule it breaks (if any).
-- The game date is the `game_date` column where it exists (since 2026-01-02), else `opts.gamedate`.
with

source as (

    select * from {{ pipemon_source('orchestration', 'scraper_execution_log') }}
    where triggered_at >= cast({{ pipemon_source_start_date() }} as {{ dbt.type_timestamp() }})

),

checked as (

    select
        source.*,
        {{ pipemon_parse_yyyymmdd(pipemon_json_value('source.opts', '$.gamedate')) }} as opts_game_date,
        min(source.status) over (partition by source.execution_id, source.created_at) as min_status_at_time,
        max(source.status) over (partition by source.execution_id, source.created_at) as max_status_at_time
    from source

),

classified as (

    select
        checked.*,
        coalesce(
            checked.execution_id,
            concat(coalesce(checked.scraper_name, '?'), '@', coalesce(cast(checked.triggered_at as {{ dbt.type_string() }}), '?'))
        ) as row_key,
        coalesce(checked.game_date, checked.opts_game_date, {{ pipemon_to_et_date('checked.triggered_at') }}) as event_date,
        {{ pipemon_quarantine_reason(
            required=['execution_id', 'scraper_name', 'status', 'triggered_at', 'source'],
            accepted=pipemon_accepted_values('orchestration', 'scraper_execution_log'),
            extra=[
                ('completed_at < triggered_at', 'completed_before_triggered'),
                ('duration_seconds < 0', 'negative_duration'),
                (pipemon_run_duration_beyond_bound('duration_seconds'), 'absurd_duration'),
                ('min_status_at_time <> max_status_at_time', 'conflicting_duplicate'),
                ('not ' ~ pipemon_json_is_integer('data_summary', '$.record_count'), 'non_numeric_record_count'),
            ],
            timestamps=['triggered_at', 'completed_at', 'created_at'],
            finite=['duration_seconds'],
            dates=['checked.game_date', 'checked.opts_game_date'],
            objects=pipemon_json_object_columns('orchestration', 'scraper_execution_log')
        ) }} as quarantine_reason
    from checked

)

select * from classified
