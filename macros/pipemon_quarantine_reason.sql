{#- The `case` expression that names why a row breaks the source contract, null when it does not.
    `required`: columns that must not be null; `accepted`: {column: [values]} for enumerations;
    `extra`: [(condition, reason)] checked after those. The first reason that applies wins. -#}
{% macro pipemon_quarantine_reason(required=[], accepted={}, extra=[]) -%}
    case
        {%- if required %}
        when {% for column in required %}{{ column }} is null{{ ' or ' if not loop.last }}{% endfor %}
            then 'null_key'
        {%- endif %}
        {%- for column, values in accepted.items() %}
        when {{ column }} not in ({% for value in values %}'{{ value }}'{{ ', ' if not loop.last }}{% endfor %})
            then 'unknown_{{ "status" if column.endswith("status") or column.endswith("result") else column }}'
        {%- endfor %}
        {%- for condition, reason in extra %}
        when {{ condition }} then '{{ reason }}'
        {%- endfor %}
    end
{%- endmacro %}
