{#- A predicate: a registry row (processor, scraper or prediction system) was live on a date, i.e.
    the date falls inside its `valid_from` .. `valid_to` (either may be empty: open-ended). -#}
{% macro pipemon_is_live(registry_alias, date_expression) -%}
    ({{ date_expression }} >= coalesce({{ registry_alias }}.valid_from, {{ date_expression }})
    and {{ date_expression }} <= coalesce({{ registry_alias }}.valid_to, {{ date_expression }}))
{%- endmacro %}
