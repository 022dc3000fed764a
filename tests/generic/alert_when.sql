{#-
    The project's validation assertion: every row of `model` that matches `condition` inside the
    judged window is a failing row, i.e. an alert. Each failing row carries `game_date` and
    `target` (the processor, scraper, phase, table, service or game it is about) so the runner
    can name it, plus any extra `columns` that explain it.

    model      the mart to check
    condition  SQL predicate over the mart's columns (the mart computes the flags; thresholds
               live in dbt_project.yml vars)
    target     SQL expression naming what broke
    game_date  SQL expression of the ET date the finding is about (default `game_date`)
    columns    extra columns to show in the alert
    judged     only dates inside the judged window (monitor_lookback_days ending at as_of)
    quiet      SQL expression of the output a row is about (a processor, prediction system, phase
               or `dataset.table`): rows on a date when that output is declared quiet - a halt
               the pipeline declared, or a `pipemon pause` (int_declared_quiet) - are not failing;
               the quiet is listed there, in status and in the report, never hidden
-#}
{% test alert_when(model, condition, target, game_date='game_date', columns=[], judged=true, quiet=none) %}

select
    {{ game_date }} as game_date,
    {{ target }} as target
    {%- for column in columns %},
    {{ column }}
    {%- endfor %}
from {{ model }}
where ({{ condition }})
{%- if judged %}
    and {{ pipemon_is_judged(game_date) }}
{%- endif %}
{%- if quiet %}
    and not exists (
        select 1
        from {{ ref('int_declared_quiet') }} as declared_quiet
        where declared_quiet.quiet_date = {{ game_date }}
            and ({{ quiet }} = declared_quiet.output_name or {{ quiet }} like concat('%.', declared_quiet.output_name))
    )
{%- endif %}

{% endtest %}
