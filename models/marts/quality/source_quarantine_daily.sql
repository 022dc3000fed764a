{{ config(**pipemon_daily_mart('event_date')) }}
-- Per source table, date and reason: rows that broke the source contract and were quarantined
-- instead of staged.
with

quarantined as (

    select * from {{ ref('int_rows_quarantined') }}

),

daily as (

    select
        concat(source_table, ':', cast(event_date as {{ dbt.type_string() }}), ':', quarantine_reason) as quarantine_day_id,
        source_table,
        quarantine_reason,
        min(row_key) as example_row_key,
        sum(row_count) as rows_quarantined,
        event_date
    from quarantined
    group by source_table, quarantine_reason, event_date

)

select * from daily
{{ pipemon_where_rewritten('event_date') }}
