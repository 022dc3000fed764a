{{ config(**pipemon_daily_mart('game_date')) }}
-- One row per scheduled scraper and ET date it was expected: runs, successes, records.
-- The logic lives in int_scraper_outcomes_resolved so that this mart is a leaf: its alert tests can fail
-- without making dbt build skip the season sweep built from the same logic (docs/decisions.md).
select * from {{ ref('int_scraper_outcomes_resolved') }}
{{ pipemon_where_rewritten('game_date') }}
