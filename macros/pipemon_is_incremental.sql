{#- Project-level override of dbt's `is_incremental()`. When the var `offline_incremental` is set
    (true/false) it answers from the var without asking the warehouse, so both branches of every
    incremental model can be compiled offline (docs/bigquery.md); otherwise it is dbt's own. -#}
{% macro is_incremental() %}
    {%- set forced = pipemon_offline_incremental() -%}
    {%- if forced is none -%}
        {{ return(dbt.is_incremental()) }}
    {%- endif -%}
    {%- if not execute -%}
        {{ return(false) }}
    {%- endif -%}
    {{ return(forced and model.config.materialized == 'incremental' and not should_full_refresh()) }}
{% endmacro %}


{#- The var `offline_incremental` read once for every macro that answers from it: true/false when
    set (an offline compile), none otherwise. -#}
{% macro pipemon_offline_incremental() %}
    {%- set forced = var('offline_incremental', none) -%}
    {%- if forced is none or forced == '' -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return((forced | string | lower) in ('true', '1', 'yes')) }}
{% endmacro %}
