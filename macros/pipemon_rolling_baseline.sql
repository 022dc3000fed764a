{#- Baseline of each metric for each row of a daily relation: the median of the same key's prior
    comparable days. Comparable means: strictly before the day being judged, within
    `baseline_window_days`, the same `is_game_day`, and not a known incident day
    (`is_known_incident`). Returns `baseline_days` and `baseline_<metric>` per key and date. -#}
{% macro pipemon_rolling_baseline(relation, keys, date_column, metrics) -%}
    select
        {%- for key in keys %}
        current_day.{{ key }},
        {%- endfor %}
        current_day.{{ date_column }},
        count(prior_day.{{ date_column }}) as baseline_days
        {%- for metric in metrics %},
        {{ pipemon_percentile('prior_day.' ~ metric, 0.5) }} as baseline_{{ metric }}
        {%- endfor %}
    from {{ relation }} as current_day
    left join {{ relation }} as prior_day
        on {% for key in keys %}current_day.{{ key }} = prior_day.{{ key }}
        and {% endfor %}prior_day.{{ date_column }} < current_day.{{ date_column }}
        and prior_day.{{ date_column }} >= {{ pipemon_date_add('current_day.' ~ date_column, -(var('baseline_window_days') | int)) }}
        and prior_day.is_game_day = current_day.is_game_day
        and not prior_day.is_known_incident
    group by {% for key in keys %}current_day.{{ key }}, {% endfor %}current_day.{{ date_column }}
{%- endmacro %}
