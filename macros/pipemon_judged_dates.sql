{#- The monitor's clock in the pipeline's time zone: the ET date of `as_of`, and the first
    ET date the validation tests judge (`monitor_lookback_days` dates ending at as_of's date). -#}
{% macro pipemon_as_of_date() -%}
    {{ pipemon_to_et_date(pipemon_as_of()) }}
{%- endmacro %}

{% macro pipemon_judged_start_date() -%}
    {%- set days = var('monitor_lookback_days') | int -%}
    {%- if days < 1 -%}
        {{ exceptions.raise_compiler_error("var monitor_lookback_days must be a positive whole number, got " ~ var('monitor_lookback_days')) }}
    {%- endif -%}
    {{ pipemon_date_add(pipemon_as_of_date(), 1 - days) }}
{%- endmacro %}

{#- A predicate: the date expression falls inside the judged window. -#}
{% macro pipemon_is_judged(date_expression) -%}
    ({{ date_expression }} between {{ pipemon_judged_start_date() }} and {{ pipemon_as_of_date() }})
{%- endmacro %}
