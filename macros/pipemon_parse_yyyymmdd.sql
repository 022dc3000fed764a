{#- A DATE from text 'YYYYMMDD' (or 'YYYY-MM-DD'); null when the text is not a date. -#}
{% macro pipemon_parse_yyyymmdd(text_expression) -%}
    {{ dbt.safe_cast(
        "case when length(replace(" ~ text_expression ~ ", '-', '')) = 8 then concat(substr(replace(" ~ text_expression ~ ", '-', ''), 1, 4), '-', substr(replace(" ~ text_expression ~ ", '-', ''), 5, 2), '-', substr(replace(" ~ text_expression ~ ", '-', ''), 7, 2)) end",
        'date'
    ) }}
{%- endmacro %}
