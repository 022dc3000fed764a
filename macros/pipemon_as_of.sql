{#- The moment the monitor looks from, as a UTC timestamp: var `as_of` ('YYYY-MM-DD HH:MM:SS')
    when set, otherwise the current time. Everything "late", "stale", "today" hangs off it. -#}
{% macro pipemon_as_of() %}
    {{ return(adapter.dispatch('pipemon_as_of', 'pipemon')()) }}
{% endmacro %}

{% macro default__pipemon_as_of() -%}
    {%- set as_of = pipemon_run_var('as_of', '') -%}
    {%- if as_of -%}
        {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2})?)?$', as_of | string) -%}
            {{ exceptions.raise_compiler_error("var as_of must look like 'YYYY-MM-DD HH:MM:SS' (UTC), got '" ~ as_of ~ "'") }}
        {%- endif -%}
        cast('{{ as_of | replace("T", " ") }}' as {{ dbt.type_timestamp() }})
    {%- else -%}
        {{ pipemon_current_timestamp_utc() }}
    {%- endif -%}
{%- endmacro %}

{% macro pipemon_current_timestamp_utc() %}
    {{ return(adapter.dispatch('pipemon_current_timestamp_utc', 'pipemon')()) }}
{% endmacro %}

{% macro default__pipemon_current_timestamp_utc() -%}
    current_timestamp()
{%- endmacro %}

{% macro duckdb__pipemon_current_timestamp_utc() -%}
    cast(now() at time zone 'UTC' as timestamp)
{%- endmacro %}
