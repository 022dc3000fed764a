{{ config(
    severity='error',
    tags=['games'],
    meta={
        'owner': 'analytics',
        'description': 'a final game has no box scores',
        'runbook': 'Re-run phase 3 for the date',
    },
) }}
{#- Judged like the real alert_when tests: only dates inside the judged window (the lookback
    ending at as_of, plus the open incidents' dates). -#}
{%- set missing = var('missing_box') -%}
select
    cast(game_date as date) as game_date,
    target
from {{ ref('fixture_runs') }}
where kind = 'box'
    and {{ pipemon_is_judged('cast(game_date as date)') }}
{%- if missing %}
    and cast(game_date as varchar) in ('{{ missing | join("', '") }}')
{%- else %}
    and false
{%- endif %}
