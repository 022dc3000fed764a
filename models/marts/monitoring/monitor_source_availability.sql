-- One row per contract source table: does it exist in this warehouse, and which checks it feeds.
-- A planned table the team has not deployed yet is "not logged yet": the checks it feeds have
-- nothing to judge, and status, the report and the runner say so instead of reporting a pass.
{%- set rows = [] -%}
{%- if execute -%}
    {%- for node in graph.sources.values() | sort(attribute='unique_id') if node.meta.get('contract') -%}
        {%- do rows.append({
            'source_table': node.schema ~ '.' ~ node.identifier,
            'source_name': node.source_name ~ '.' ~ node.name,
            'is_planned': node.meta.get('planned', false),
            'is_optional': node.meta.get('optional', false),
            'is_available': pipemon_source_exists(node.source_name, node.name),
            'feeds': (node.meta.get('feeds') or []) | join(', '),
        }) -%}
    {%- endfor -%}
{%- endif %}

with

sources as (

    {% for row in rows %}
    select
        '{{ row.source_table }}' as source_table,
        '{{ row.source_name }}' as source_name,
        {{ "'" ~ row.feeds ~ "'" if row.feeds else 'cast(null as ' ~ dbt.type_string() ~ ')' }} as checks_fed,
        {{ row.is_planned }} as is_planned,
        {{ row.is_optional }} as is_optional,
        {{ row.is_available }} as is_available,
        case when {{ row.is_available }} then 'logged' else 'not logged yet' end as availability
    {% if not loop.last %}union all{% endif %}
    {% else %}
    select
        cast(null as {{ dbt.type_string() }}) as source_table,
        cast(null as {{ dbt.type_string() }}) as source_name,
        cast(null as {{ dbt.type_string() }}) as checks_fed,
        false as is_planned,
        false as is_optional,
        false as is_available,
        cast(null as {{ dbt.type_string() }}) as availability
    from (select 1 as placeholder) as no_sources
    where 1 = 0
    {% endfor %}

)

select * from sources
