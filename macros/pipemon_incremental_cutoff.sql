{#- In an incremental run: the UTC timestamp from which rows are rebuilt, `incremental_lookback_days`
    (+ extra_days) before the newest partition already in the model, so late-arriving rows are
    picked up. Compared against the source's partition column it lets BigQuery prune partitions.
    The cutoff is the start (00:00 in the pipeline's time zone) of that ET date, not UTC midnight:
    the model's partitions are ET dates, and BigQuery's insert_overwrite replaces every partition
    the new rows touch, so each touched partition must be rebuilt whole (UTC midnight is 19:00 ET
    the day before, and that day's earlier rows were dropped). -#}
{% macro pipemon_incremental_cutoff(partition_column, extra_days=0) -%}
    {%- set days = (var('incremental_lookback_days') | int) + extra_days -%}
    {{ pipemon_local_to_utc(
        pipemon_date_add('(select max(' ~ partition_column ~ ') from ' ~ this ~ ')', -days),
        "'00:00'"
    ) }}
{%- endmacro %}
