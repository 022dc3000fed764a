{#- The pipeline's local (America/New_York) calendar date of a UTC timestamp. Never take the UTC date
    of a game: a West-coast game ending at 00:40 ET is 05:40 UTC the next day. -#}
{% macro pipemon_to_et_date(timestamp_expression) %}
    {{ return(adapter.dispatch('pipemon_to_et_date', 'pipemon')(timestamp_expression)) }}
{% endmacro %}

{% macro default__pipemon_to_et_date(timestamp_expression) -%}
    {{ exceptions.raise_compiler_error("pipemon_to_et_date is not implemented for " ~ target.type) }}
{%- endmacro %}

{% macro bigquery__pipemon_to_et_date(timestamp_expression) -%}
    date({{ timestamp_expression }}, '{{ var("pipeline_timezone") }}')
{%- endmacro %}

{% macro duckdb__pipemon_to_et_date(timestamp_expression) -%}
    cast((({{ timestamp_expression }}) at time zone 'UTC') at time zone '{{ var("pipeline_timezone") }}' as date)
{%- endmacro %}
