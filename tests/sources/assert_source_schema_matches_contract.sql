{{ config(
    severity='error',
    tags=['alerts', 'schema'],
    meta={
        'owner': 'platform',
        'description': 'A pipeline table lost a column the monitoring reads, or the column changed type (schema drift).',
        'runbook': 'Compare the table with its source YAML (models/staging/<source>/_<source>__sources.yml); fix the writer or update the contract everywhere.',
        'incident_kind': 'schema_drift',
    },
) }}
-- Schema drift: every column of the source contract must exist with its contract type. Reads the
-- warehouse's own column metadata when the test runs, so a drifted table is named here even when
-- the staging models over it fail to build. A planned table (`meta.optional`) that is not there yet
-- is not drift: monitor_source_availability reports it as not logged yet.
{%- set problems = [] -%}
{%- if execute -%}
    {%- for node in graph.sources.values() | sort(attribute='unique_id') if node.meta.get('contract') -%}
        {%- set relation = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.identifier) -%}
        {%- set label = node.schema ~ '.' ~ node.identifier -%}
        {%- if relation is none and node.meta.get('optional') -%}
            {#- not deployed yet: reported by monitor_source_availability -#}
        {%- elif relation is none -%}
            {%- do problems.append((label, '*', 'missing_table')) -%}
        {%- else -%}
            {%- set actual = {} -%}
            {%- for column in adapter.get_columns_in_relation(relation) -%}
                {%- do actual.update({column.name | lower: pipemon_normalize_type(column.dtype)}) -%}
            {%- endfor -%}
            {%- for column in node.columns.values() -%}
                {%- set expected = column.data_type | upper -%}
                {%- if column.name | lower not in actual -%}
                    {%- do problems.append((label, column.name, 'missing_column')) -%}
                {%- elif actual[column.name | lower] != expected -%}
                    {%- do problems.append((label, column.name, 'type_changed: expected ' ~ expected ~ ', found ' ~ actual[column.name | lower])) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif %}

{% for table, column, problem in problems %}
    select
        {{ pipemon_as_of_date() }} as game_date,
        '{{ table }}' as target,
        '{{ column }}' as column_name,
        '{{ problem }}' as problem
    union all
{% endfor %}
select
    cast(null as date) as game_date,
    cast(null as {{ dbt.type_string() }}) as target,
    cast(null as {{ dbt.type_string() }}) as column_name,
    cast(null as {{ dbt.type_string() }}) as problem
from (select 1 as placeholder) as no_rows
where 1 = 0
