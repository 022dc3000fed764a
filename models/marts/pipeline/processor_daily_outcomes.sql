{{ config(**pipemon_daily_mart('data_date')) }}
-- One row per processor and data date: expected or ran, how it ended and why.
-- The logic lives in int_processor_outcomes_resolved so that this mart is a leaf: its alert tests can fail
-- without making dbt build skip the marts built from the same logic (docs/decisions.md).
select * from {{ ref('int_processor_outcomes_resolved') }}
{{ pipemon_where_rewritten('data_date') }}
