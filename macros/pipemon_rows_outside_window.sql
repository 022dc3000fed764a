{#- Rows of a date-partitioned contract source that a build's read (`partition column >=
    start_date`) does not reach, counted per partition date without reading the rows where the
    warehouse keeps partition metadata: `partition_date` (null for rows whose partition key is
    null) and `row_count`. BigQuery answers from INFORMATION_SCHEMA.PARTITIONS (metadata, no
    bytes billed: the `__NULL__` partition and the partitions before start_date; rows still in
    the streaming buffer are recent, inside the window, and not counted here). DuckDB, which has
    no partition metadata, counts with a query (`default__`), as BigQuery does with var
    `partition_metadata` false (the local emulator cannot read INFORMATION_SCHEMA). The partition
    column is the source's `meta.partition_by.field`. Nothing is read while parsing. -#}
{% macro pipemon_rows_outside_window(source_name, table_name, start_date) %}
    {%- if not execute -%}
        {{ return('select cast(null as date) as partition_date, 0 as row_count') }}
    {%- endif -%}
    {{ return(adapter.dispatch('pipemon_rows_outside_window', 'pipemon')(source_name, table_name, start_date)) }}
{% endmacro %}

{% macro default__pipemon_rows_outside_window(source_name, table_name, start_date) -%}
    {%- set column = adapter.quote(pipemon_partition_field(source_name, table_name)) -%}
    select
        cast({{ column }} as date) as partition_date,
        count(*) as row_count
    from {{ pipemon_source(source_name, table_name) }}
    where {{ column }} is null or {{ column }} < cast({{ start_date }} as {{ pipemon_partition_type(source_name, table_name) }})
    group by cast({{ column }} as date)
{%- endmacro %}

{% macro bigquery__pipemon_rows_outside_window(source_name, table_name, start_date) -%}
    {%- if (var('partition_metadata', true) | string | lower) in ('false', '0', 'no') -%}
        {{ return(default__pipemon_rows_outside_window(source_name, table_name, start_date)) }}
    {%- endif -%}
    {%- set relation = source(source_name, table_name) -%}
    select
        safe.parse_date('%Y%m%d', partition_id) as partition_date,
        total_rows as row_count
    from {{ adapter.quote(relation.database) }}.{{ adapter.quote(relation.schema) }}.INFORMATION_SCHEMA.PARTITIONS
    where table_name = '{{ relation.identifier }}'
        and (
            partition_id = '__NULL__'
            or safe.parse_date('%Y%m%d', partition_id) < {{ start_date }}
        )
{%- endmacro %}


{#- The partition column of a contract source (`meta.partition_by.field`). -#}
{% macro pipemon_partition_field(source_name, table_name) %}
    {%- set node = pipemon_source_node(source_name, table_name) -%}
    {%- set partition = (node.meta or {}).get('partition_by') or (node.config.meta or {}).get('partition_by') -%}
    {%- if not partition or not partition.get('field') -%}
        {{ exceptions.raise_compiler_error("source " ~ source_name ~ "." ~ table_name ~ " declares no meta.partition_by.field") }}
    {%- endif -%}
    {{ return(partition['field']) }}
{% endmacro %}


{#- The SQL type of a contract source's partition column: timestamp or date. -#}
{% macro pipemon_partition_type(source_name, table_name) %}
    {%- set node = pipemon_source_node(source_name, table_name) -%}
    {%- set field = pipemon_partition_field(source_name, table_name) -%}
    {%- set column = node.columns.get(field) -%}
    {%- set data_type = (column.data_type if column else 'date') | lower -%}
    {{ return(dbt.type_timestamp() if data_type.startswith('timestamp') else 'date') }}
{% endmacro %}
