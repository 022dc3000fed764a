{#- Runs before every dbt invocation (on-run-start). On DuckDB it declares `float64` as an alias of
    DOUBLE so model contracts can name BigQuery's type names on both warehouses
    (`int64`, `string` and `bool` already exist there). -#}
{% macro pipemon_on_run_start() %}
    {{ return(adapter.dispatch('pipemon_on_run_start', 'pipemon')()) }}
{% endmacro %}

{% macro default__pipemon_on_run_start() -%}
    select 1
{%- endmacro %}

{% macro duckdb__pipemon_on_run_start() -%}
    create type if not exists float64 as double
{%- endmacro %}
