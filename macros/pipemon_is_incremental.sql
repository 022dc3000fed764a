{#- Project-level override of dbt's `is_incremental()`. When the var `offline_incremental` is set
    (true/false) it answers from the var without asking the warehouse, so both branches of every
    incremental model can be compiled offline (docs/bigquery.md); otherwise it is dbt's own. -#}
{% macro is_incremental() %}
    {%- set forced = var('offline_incremental', none) -%}
    {%- if forced is none or forced == '' -%}
        {{ return(dbt.is_incremental()) }}
    {%- endif -%}
    {%- if not execute -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set forced = (forced | string | lower) in ('true', '1', 'yes') -%}
    {{ return(forced and model.config.materialized == 'incremental' and not should_full_refresh()) }}
{% endmacro %}
