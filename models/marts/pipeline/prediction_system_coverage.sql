{{ config(**pipemon_daily_mart('game_date')) }}
-- One row per game date and prediction system: players with a line vs players predicted.
-- The logic lives in int_prediction_systems_covered so that this mart is a leaf: its alert tests can fail
-- without making dbt build skip the marts built from the same logic (docs/decisions.md).
select * from {{ ref('int_prediction_systems_covered') }}
{{ pipemon_where_rewritten('game_date') }}
