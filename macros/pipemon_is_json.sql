{#- True when the text parses as JSON, false when it does not, null when it is null. -#}
{% macro pipemon_is_json(expression) %}
    {{ return(adapter.dispatch('pipemon_is_json', 'pipemon')(expression)) }}
{% endmacro %}

{% macro default__pipemon_is_json(expression) -%}
    {{ exceptions.raise_compiler_error("pipemon_is_json is not implemented for " ~ target.type ~ "; add a " ~ target.type ~ "__pipemon_is_json macro") }}
{%- endmacro %}

{% macro bigquery__pipemon_is_json(expression) -%}
    (case when {{ expression }} is null then null else safe.parse_json({{ expression }}) is not null end)
{%- endmacro %}

{% macro duckdb__pipemon_is_json(expression) -%}
    json_valid({{ expression }})
{%- endmacro %}
