{#- The real UTC instant of a TIMESTAMP that holds an America/New_York wall-clock time as if it
    were UTC (the schedule's `game_date_est`: a 19:30 ET tip-off is stored as 19:30 UTC). -#}
{% macro pipemon_et_wall_clock_to_utc(timestamp_expression) %}
    {{ return(adapter.dispatch('pipemon_et_wall_clock_to_utc', 'pipemon')(timestamp_expression)) }}
{% endmacro %}

{% macro default__pipemon_et_wall_clock_to_utc(timestamp_expression) -%}
    {{ exceptions.raise_compiler_error("pipemon_et_wall_clock_to_utc is not implemented for " ~ target.type) }}
{%- endmacro %}

{% macro bigquery__pipemon_et_wall_clock_to_utc(timestamp_expression) -%}
    timestamp(datetime({{ timestamp_expression }}, 'UTC'), '{{ var("pipeline_timezone") }}')
{%- endmacro %}

{% macro duckdb__pipemon_et_wall_clock_to_utc(timestamp_expression) -%}
    cast(cast({{ timestamp_expression }} as timestamp) at time zone '{{ var("pipeline_timezone") }}' at time zone 'UTC' as timestamp)
{%- endmacro %}
