{#- dbt-duckdb leaves `dbt.safe_cast` at dbt's default, a plain `cast` that errors on text that is
    not a number (and so errors every model downstream). The root project's `duckdb__safe_cast`
    takes precedence in dbt's dispatch: on DuckDB a safe cast is `try_cast`, null on failure,
    as it is on BigQuery. -#}
{% macro duckdb__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}
