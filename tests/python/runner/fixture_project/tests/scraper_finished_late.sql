{{ config(
    severity='warn',
    tags=['scrapers'],
    meta={
        'owner': 'scrapers',
        'description': 'scraper finished late',
        'runbook': 'Check the scraper workflow schedule',
    },
) }}
{%- set late = var('late') -%}
select
    cast(game_date as date) as game_date,
    target,
    95 as minutes_late
from {{ ref('fixture_runs') }}
where kind = 'scraper'
{%- if late %}
    and target in ('{{ late | join("', '") }}')
{%- else %}
    and false
{%- endif %}
