{#- The UTC timestamp of a wall-clock time 'HH:MM' (text) in the pipeline's time zone on a date plus
    a whole number of days. Used for phase deadlines; daylight saving is handled by the time zone. -#}
{% macro pipemon_local_to_utc(date_expression, time_text_expression, day_offset_expression='0') %}
    {{ return(adapter.dispatch('pipemon_local_to_utc', 'pipemon')(date_expression, time_text_expression, day_offset_expression)) }}
{% endmacro %}

{% macro default__pipemon_local_to_utc(date_expression, time_text_expression, day_offset_expression) -%}
    {{ exceptions.raise_compiler_error("pipemon_local_to_utc is not implemented for " ~ target.type) }}
{%- endmacro %}

{% macro bigquery__pipemon_local_to_utc(date_expression, time_text_expression, day_offset_expression) -%}
    timestamp(
        datetime(
            date_add({{ date_expression }}, interval cast({{ day_offset_expression }} as int64) day),
            parse_time('%H:%M', {{ time_text_expression }})
        ),
        '{{ var("pipeline_timezone") }}'
    )
{%- endmacro %}

{% macro duckdb__pipemon_local_to_utc(date_expression, time_text_expression, day_offset_expression) -%}
    cast(
        (
            (cast({{ date_expression }} as date) + cast({{ day_offset_expression }} as integer))
            + cast({{ time_text_expression }} as time)
        ) at time zone '{{ var("pipeline_timezone") }}' at time zone 'UTC'
        as timestamp
    )
{%- endmacro %}
