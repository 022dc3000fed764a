{#-
    Creates every table of the source contract that does not exist yet.
    The contract is the sources declared with `meta.contract: true`: their columns and
    `data_type`s, and on BigQuery their `partition_by` / `cluster_by` meta.
    Idempotent: existing tables are left alone. `include_planned: false` leaves out the tables the
    plan adds and the pipeline has not built yet (`meta.planned`), as a warehouse that has not
    adopted the plan looks.

        dbt run-operation create_contract_tables
        dbt run-operation create_contract_tables --args '{include_planned: false}'
-#}
{% macro create_contract_tables(include_planned=true) %}
    {%- if not execute -%}{{ return(none) }}{%- endif -%}
    {%- set created = [] -%}
    {%- for node in graph.sources.values() | sort(attribute='unique_id') if node.meta.get('contract') and (include_planned or not node.meta.get('planned')) -%}
        {%- do adapter.create_schema(api.Relation.create(database=node.database, schema=node.schema)) -%}
        {%- set relation = api.Relation.create(database=node.database, schema=node.schema, identifier=node.identifier) -%}
        {%- do run_query(pipemon_contract_table_ddl(relation, node)) -%}
        {%- do created.append(node.schema ~ '.' ~ node.identifier) -%}
    {%- endfor -%}
    {{ log('contract tables present: ' ~ (created | length) ~ ' (' ~ (created | join(', ')) ~ ')', info=true) }}
{% endmacro %}


{% macro pipemon_contract_table_ddl(relation, node) %}
    {{ return(adapter.dispatch('pipemon_contract_table_ddl', 'pipemon')(relation, node)) }}
{% endmacro %}

{% macro default__pipemon_contract_table_ddl(relation, node) -%}
create table if not exists {{ relation }} (
    {%- for column in node.columns.values() %}
    {{ adapter.quote(column.name) if column.name in ('timestamp', 'data') else column.name }} {{ pipemon_contract_type(column.data_type) }}{{ ',' if not loop.last }}
    {%- endfor %}
)
{%- endmacro %}

{#- Daily partitions of a TIMESTAMP column are written `timestamp_trunc(ts, day)`: the same daily
    partitioning as `date(ts)` on BigQuery, and the form the local emulator accepts too. -#}
{% macro bigquery__pipemon_contract_table_ddl(relation, node) -%}
    {%- set partition = node.meta.get('partition_by') -%}
    {%- set cluster = node.meta.get('cluster_by') or [] -%}
create table if not exists {{ relation }} (
    {%- for column in node.columns.values() %}
    `{{ column.name }}` {{ pipemon_contract_type(column.data_type) }}{{ ',' if not loop.last }}
    {%- endfor %}
)
{%- if partition %}
partition by {{ 'timestamp_trunc(' ~ partition.field ~ ', day)' if partition.data_type == 'timestamp' else partition.field }}
{%- endif %}
{%- if cluster %}
cluster by {{ cluster | join(', ') }}
{%- endif %}
{%- set options = [] -%}
{%- if node.meta.get('require_partition_filter') %}{% do options.append('require_partition_filter = true') %}{% endif -%}
{%- if node.meta.get('partition_expiration_days') %}{% do options.append('partition_expiration_days = ' ~ node.meta.get('partition_expiration_days')) %}{% endif -%}
{%- if options and var('contract_table_options', true) %}
options ({{ options | join(', ') }})
{%- endif %}
{%- endmacro %}


{#- Maps a contract type (BigQuery names, as written in the sources YAML) to the warehouse's type. -#}
{% macro pipemon_contract_type(contract_type) %}
    {{ return(adapter.dispatch('pipemon_contract_type', 'pipemon')(contract_type | upper)) }}
{% endmacro %}

{% macro default__pipemon_contract_type(contract_type) -%}
    {%- set types = {
        'STRING': dbt.type_string(),
        'INT64': dbt.type_bigint(),
        'FLOAT64': dbt.type_float(),
        'BOOL': dbt.type_boolean(),
        'DATE': 'date',
        'TIMESTAMP': dbt.type_timestamp(),
        'JSON': 'json',
        'NUMERIC': 'decimal(38, 9)',
    } -%}
    {%- if contract_type not in types -%}
        {{ exceptions.raise_compiler_error("unknown contract type '" ~ contract_type ~ "'; expected one of " ~ (types.keys() | list | join(', '))) }}
    {%- endif -%}
    {{ types[contract_type] }}
{%- endmacro %}

{% macro bigquery__pipemon_contract_type(contract_type) -%}
    {%- set known = ['STRING', 'INT64', 'FLOAT64', 'NUMERIC', 'BOOL', 'DATE', 'TIMESTAMP', 'JSON'] -%}
    {%- if contract_type not in known -%}
        {{ exceptions.raise_compiler_error("unknown contract type '" ~ contract_type ~ "'; expected one of " ~ (known | join(', '))) }}
    {%- endif -%}
    {{ contract_type }}
{%- endmacro %}

{% macro duckdb__pipemon_contract_type(contract_type) -%}
    {#- dbt's type_float() is DuckDB's 4-byte FLOAT; the contract's FLOAT64 is 8 bytes. -#}
    {%- if contract_type == 'FLOAT64' -%}
        double
    {%- else -%}
        {{ default__pipemon_contract_type(contract_type) }}
    {%- endif -%}
{%- endmacro %}
