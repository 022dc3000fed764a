{{ config(**pipemon_daily_mart('data_date')) }}
-- One row per game date and phase: expected vs completed, triggered, when, against the deadline.
-- The logic lives in int_phases_completed so that this mart is a leaf: its alert tests can fail
-- without making dbt build skip the marts built from the same logic (docs/decisions.md).
select * from {{ ref('int_phases_completed') }}
{{ pipemon_where_rewritten('data_date') }}
