{#- Keeps one row per `partition_by` (the first by `order_by`) from a relation or CTE name.
    Portable: a window in a subquery rather than QUALIFY. -#}
{% macro pipemon_deduplicate(relation, partition_by, order_by) -%}
    select deduplicated.*
    from (
        select
            ranked.*,
            row_number() over (partition by {{ partition_by }} order by {{ order_by }}) as _pipemon_row_rank
        from {{ relation }} as ranked
    ) as deduplicated
    where deduplicated._pipemon_row_rank = 1
{%- endmacro %}
