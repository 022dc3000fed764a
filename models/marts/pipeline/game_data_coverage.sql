{{ config(**pipemon_daily_mart('game_date')) }}
-- One row per scheduled game: final or not, box scores, lines, features, predictions.
-- The logic lives in int_games_covered so that this mart is a leaf: its alert tests can fail
-- without making dbt build skip the marts built from the same logic (docs/decisions.md).
select * from {{ ref('int_games_covered') }}
{{ pipemon_where_rewritten('game_date') }}
