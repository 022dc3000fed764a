{#- A DATE plus a whole number of days, still a DATE on every warehouse (dbt.dateadd returns a
    DATETIME on BigQuery, which does not compare with DATE columns). -#}
{% macro pipemon_date_add(date_expression, days) %}
    {{ return(adapter.dispatch('pipemon_date_add', 'pipemon')(date_expression, days)) }}
{% endmacro %}

{% macro default__pipemon_date_add(date_expression, days) -%}
    cast({{ dbt.dateadd('day', days, date_expression) }} as date)
{%- endmacro %}

{% macro bigquery__pipemon_date_add(date_expression, days) -%}
    date_add({{ date_expression }}, interval cast({{ days }} as int64) day)
{%- endmacro %}

{% macro duckdb__pipemon_date_add(date_expression, days) -%}
    cast(cast({{ date_expression }} as date) + cast({{ days }} as integer) as date)
{%- endmacro %}
