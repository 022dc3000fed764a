{#- True when the number is finite, false when it is NaN or +/-infinity, null when it is null. -#}
{% macro pipemon_is_finite(expression) %}
    {{ return(adapter.dispatch('pipemon_is_finite', 'pipemon')(expression)) }}
{% endmacro %}

{% macro default__pipemon_is_finite(expression) -%}
    {{ exceptions.raise_compiler_error("pipemon_is_finite is not implemented for " ~ target.type ~ "; add a " ~ target.type ~ "__pipemon_is_finite macro") }}
{%- endmacro %}

{% macro bigquery__pipemon_is_finite(expression) -%}
    not (is_nan(cast({{ expression }} as float64)) or is_inf(cast({{ expression }} as float64)))
{%- endmacro %}

{% macro duckdb__pipemon_is_finite(expression) -%}
    isfinite(cast({{ expression }} as double))
{%- endmacro %}
