{#- In an incremental (daily) build: the UTC timestamp from which an execution fact is rebuilt,
    the rewrite start (pipemon_rewrite_start_date: the judged window less
    `incremental_lookback_days`, for late-arriving rows) less `extra_days`. A constant computed
    from as_of, never a subquery over the model, so BigQuery prunes the source's partitions.
    The cutoff is the start (00:00 in the pipeline's time zone) of that ET date, not UTC midnight:
    the model's partitions are ET dates, and BigQuery's insert_overwrite replaces every partition
    the new rows touch, so each touched partition must be rebuilt whole (UTC midnight is 19:00 ET
    the day before, and that day's earlier rows were dropped). -#}
{% macro pipemon_incremental_cutoff(extra_days=0) -%}
    {{ pipemon_local_to_utc(pipemon_date_add(pipemon_rewrite_start_date(), -extra_days), "'00:00'") }}
{%- endmacro %}
