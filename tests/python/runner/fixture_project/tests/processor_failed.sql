{{ config(
    severity='error',
    tags=['processors'],
    meta={
        'owner': 'data-eng',
        'description': 'processor failed',
        'runbook': 'Rerun the processor for the date; see docs/runbooks.md#processor-failed',
    },
) }}
{%- set failing = var('failing') -%}
{%- if var('break_compile') %}{{ a_macro_that_does_not_exist() }}{% endif %}
select
    cast(game_date as date) as game_date,
    target,
    'failed' as status,
    'ValueError: no rows for ' || target as error_message
from {{ ref('fixture_runs') }}
where kind = 'processor'
{%- if failing %}
    and target in ('{{ failing | join("', '") }}')
{%- else %}
    and false
{%- endif %}
