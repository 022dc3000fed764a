{#- Daily partitioning config for a date column on BigQuery; nothing elsewhere (dbt-duckdb reads
    `partition_by` for its own file-partitioned writes and rejects BigQuery's dict form). -#}
{% macro pipemon_partition_by(date_column) %}
    {%- if target.type == 'bigquery' -%}
        {{ return({'field': date_column, 'data_type': 'date', 'granularity': 'day'}) }}
    {%- else -%}
        {{ return(none) }}
    {%- endif -%}
{% endmacro %}
