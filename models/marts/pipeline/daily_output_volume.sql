{{ config(**pipemon_daily_mart('game_date')) }}
-- One row per ET game date and output table: phase output against the schedule.
-- The logic lives in int_output_volume_measured so that this mart is a leaf: its alert tests can fail
-- without making dbt build skip the season sweep built from the same logic (docs/decisions.md).
select * from {{ ref('int_output_volume_measured') }}
{{ pipemon_where_rewritten('game_date') }}
