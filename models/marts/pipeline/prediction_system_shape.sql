{{ config(**pipemon_daily_mart('game_date')) }}
-- One row per game date and prediction system that wrote predictions: the shape of what it
-- predicted against the lines and the other systems. The logic lives in int_prediction_shapes so
-- that this mart is a leaf: its alert tests can fail without making dbt build skip anything.
select * from {{ ref('int_prediction_shapes') }}
{{ pipemon_where_rewritten('game_date') }}
