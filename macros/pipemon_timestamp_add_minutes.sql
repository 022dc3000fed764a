{#- A UTC TIMESTAMP plus a whole number of minutes, still a TIMESTAMP on every warehouse. -#}
{% macro pipemon_timestamp_add_minutes(timestamp_expression, minutes) %}
    {{ return(adapter.dispatch('pipemon_timestamp_add_minutes', 'pipemon')(timestamp_expression, minutes)) }}
{% endmacro %}

{% macro default__pipemon_timestamp_add_minutes(timestamp_expression, minutes) -%}
    {{ dbt.dateadd('minute', minutes, timestamp_expression) }}
{%- endmacro %}

{% macro bigquery__pipemon_timestamp_add_minutes(timestamp_expression, minutes) -%}
    timestamp_add({{ timestamp_expression }}, interval cast({{ minutes }} as int64) minute)
{%- endmacro %}

{% macro duckdb__pipemon_timestamp_add_minutes(timestamp_expression, minutes) -%}
    ({{ timestamp_expression }} + to_minutes(cast({{ minutes }} as bigint)))
{%- endmacro %}
