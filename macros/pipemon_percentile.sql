{#- Aggregate: the p-th percentile (0 < p < 1) of an expression. BigQuery's is approximate. -#}
{% macro pipemon_percentile(expression, fraction) %}
    {%- if not (0 < fraction < 1) -%}
        {{ exceptions.raise_compiler_error("pipemon_percentile needs a fraction between 0 and 1, got " ~ fraction) }}
    {%- endif -%}
    {{ return(adapter.dispatch('pipemon_percentile', 'pipemon')(expression, fraction)) }}
{% endmacro %}

{% macro default__pipemon_percentile(expression, fraction) -%}
    percentile_cont({{ expression }}, {{ fraction }})
{%- endmacro %}

{#- approx_quantiles returns the input's type (INT64 for counts); cast so the result is FLOAT64
    like percentile_cont / DuckDB's quantile_cont, as the marts' contracts declare. -#}
{% macro bigquery__pipemon_percentile(expression, fraction) -%}
    cast(approx_quantiles({{ expression }}, 100)[offset({{ (fraction * 100) | round | int }})] as float64)
{%- endmacro %}

{% macro duckdb__pipemon_percentile(expression, fraction) -%}
    quantile_cont({{ expression }}, {{ fraction }})
{%- endmacro %}
