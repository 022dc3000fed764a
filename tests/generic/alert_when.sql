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
-#}
{% test alert_when(model, condition, target, game_date='game_date', columns=[], judged=true) %}

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

{% endtest %}
