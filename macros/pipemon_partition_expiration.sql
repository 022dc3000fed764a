{#- The days a contract source keeps its partitions (`meta.partition_expiration_days` in its
    sources YAML; none: 0, kept for ever), read from the project at compile time. A date older
    than that has lost its rows by expiry, not by a failure: it is not judged on that table. -#}
{% macro pipemon_partition_expiration_days(source_name, table_name) -%}
    {%- set found = namespace(days=0) -%}
    {%- if execute -%}
        {%- for node in (graph.get('sources') or {}).values() -%}
            {%- if node.source_name == source_name and node.name == table_name -%}
                {%- set found.days = (node.meta or {}).get('partition_expiration_days') or (node.config.meta or {}).get('partition_expiration_days') or 0 -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(found.days | int) }}
{%- endmacro %}
