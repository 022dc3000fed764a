{#- The JSON columns a source table's contract declares objects (`meta.json: object` on a column
    in the source YAML): staging quarantines other JSON in them (`not_an_object`). Empty while
    parsing. -#}
{% macro pipemon_json_object_columns(source_name, table_name) %}
    {%- set columns = [] -%}
    {%- if not execute -%}
        {{ return(columns) }}
    {%- endif -%}
    {%- set node = pipemon_source_node(source_name, table_name) -%}
    {%- for column in node.columns.values() if (column.meta or {}).get('json') == 'object' -%}
        {%- do columns.append(column.name) -%}
    {%- endfor -%}
    {{ return(columns) }}
{% endmacro %}
