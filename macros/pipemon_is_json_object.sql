{#- True when the text parses as a JSON object, false when it is other JSON or not JSON, null
    when it is null. -#}
{% macro pipemon_is_json_object(expression) %}
    {{ return(adapter.dispatch('pipemon_is_json_object', 'pipemon')(expression)) }}
{% endmacro %}

{% macro default__pipemon_is_json_object(expression) -%}
    {{ exceptions.raise_compiler_error("pipemon_is_json_object is not implemented for " ~ target.type ~ "; add a " ~ target.type ~ "__pipemon_is_json_object macro") }}
{%- endmacro %}

{% macro bigquery__pipemon_is_json_object(expression) -%}
    (case when {{ expression }} is null then null else coalesce(json_type(safe.parse_json({{ expression }})) = 'object', false) end)
{%- endmacro %}

{% macro duckdb__pipemon_is_json_object(expression) -%}
    (case when {{ expression }} is null then null when json_valid({{ expression }}) then json_type({{ expression }}) = 'OBJECT' else false end)
{%- endmacro %}
