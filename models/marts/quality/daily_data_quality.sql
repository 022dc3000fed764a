{{ config(**pipemon_daily_mart('game_date')) }}
-- Data quality per game date: fallback use, missing players, confidence, feature store.
-- The logic lives in int_data_quality_measured so that this mart is a leaf: its alert tests can fail
-- without making dbt build skip the marts built from the same logic (docs/decisions.md).
select * from {{ ref('int_data_quality_measured') }}
{{ pipemon_where_rewritten('game_date') }}
