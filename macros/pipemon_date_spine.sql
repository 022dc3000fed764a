{#- A one-column relation `calendar_date` with every date from start to end (inclusive). -#}
{% macro pipemon_date_spine(start_expression, end_expression) %}
    {{ return(adapter.dispatch('pipemon_date_spine', 'pipemon')(start_expression, end_expression)) }}
{% endmacro %}

{% macro default__pipemon_date_spine(start_expression, end_expression) -%}
    {{ exceptions.raise_compiler_error("pipemon_date_spine is not implemented for " ~ target.type) }}
{%- endmacro %}

{% macro bigquery__pipemon_date_spine(start_expression, end_expression) -%}
    select calendar_date
    from unnest(generate_date_array({{ start_expression }}, {{ end_expression }})) as calendar_date
{%- endmacro %}

{% macro duckdb__pipemon_date_spine(start_expression, end_expression) -%}
    select cast(range as date) as calendar_date
    from range(cast({{ start_expression }} as date), cast({{ end_expression }} as date) + 1, interval 1 day)
{%- endmacro %}
