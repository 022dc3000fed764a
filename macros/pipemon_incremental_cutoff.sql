{#- In an incremental run: the UTC timestamp from which rows are rebuilt, `incremental_lookback_days`
    (+ extra_days) before the newest partition already in the model, so late-arriving rows are
    picked up. Compared against the source's partition column it lets BigQuery prune partitions. -#}
{% macro pipemon_incremental_cutoff(partition_column, extra_days=0) -%}
    {%- set days = (var('incremental_lookback_days') | int) + extra_days -%}
    cast(
        {{ pipemon_date_add('(select max(' ~ partition_column ~ ') from ' ~ this ~ ')', -days) }}
        as {{ dbt.type_timestamp() }}
    )
{%- endmacro %}
