{#- Scalar text at a constant JSONPath (`$.a.b`) of a JSON value or JSON text; null if absent. -#}
{% macro pipemon_json_value(expression, path) %}
    {{ return(adapter.dispatch('pipemon_json_value', 'pipemon')(expression, path)) }}
{% endmacro %}

{% macro default__pipemon_json_value(expression, path) -%}
    json_value({{ expression }}, '{{ path }}')
{%- endmacro %}

{% macro duckdb__pipemon_json_value(expression, path) -%}
    json_extract_string({{ expression }}, '{{ path }}')
{%- endmacro %}
