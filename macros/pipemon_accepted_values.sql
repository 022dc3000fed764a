{#- The enumerations of a source table's contract, {column: [values]}, read from the source YAML
    (`meta.accepted_values` on a column) so the list lives in one place: the staging model's
    quarantine (`unknown_<column>`) and the docs read the same values. Before execution (parsing)
    the graph is not loaded and the answer is empty; nothing is rendered then. -#}
{% macro pipemon_accepted_values(source_name, table_name) %}
    {%- set accepted = {} -%}
    {%- if not execute -%}
        {{ return(accepted) }}
    {%- endif -%}
    {%- set node = pipemon_source_node(source_name, table_name) -%}
    {%- for column in node.columns.values() if (column.meta or {}).get('accepted_values') -%}
        {%- set values = column.meta['accepted_values'] -%}
        {%- if values is string or values is mapping or values is not iterable -%}
            {{ exceptions.raise_compiler_error("source " ~ source_name ~ "." ~ table_name ~ " column " ~ column.name ~ ": meta.accepted_values must be a list, got '" ~ values ~ "'") }}
        {%- endif -%}
        {%- do accepted.update({column.name: values}) -%}
    {%- endfor -%}
    {{ return(accepted) }}
{% endmacro %}
