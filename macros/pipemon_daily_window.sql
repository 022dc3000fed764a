{#- The daily run's window: what a build reads and what it rewrites, so that its work follows the
    days it judges and not the history kept (docs/incremental.md).

    A *history build* reads `source_history_days` back (or from `source_start_date`) and rebuilds
    every mart whole: a `--full-refresh`, the season sweep, a build with `source_start_date` or
    `daily_window: false`, and any build while one of the incremental marts does not exist yet
    (the first build of a warehouse). Every other build is a *daily build*: staging reads from
    the scan start, and the incremental marts rewrite only their dates from the rewrite start
    (plus the open incidents' dates), keeping the rows they stored for older dates. -#}
{% macro pipemon_is_history_build() %}
    {%- if not execute -%}
        {{ return(true) }}
    {%- endif -%}
    {%- if flags.FULL_REFRESH or var('sweep', false) or var('source_start_date', '') -%}
        {{ return(true) }}
    {%- endif -%}
    {%- if (var('daily_window', true) | string | lower) in ('false', '0', 'no') -%}
        {{ return(true) }}
    {%- endif -%}
    {#- offline compiles cannot ask the warehouse: the incremental form is the daily build -#}
    {%- set forced = var('offline_incremental', none) -%}
    {%- if forced is not none and forced != '' -%}
        {{ return((forced | string | lower) not in ('true', '1', 'yes')) }}
    {%- endif -%}
    {%- if var('offline_compile', false) -%}
        {{ return(true) }}
    {%- endif -%}
    {#- unit tests render without the graph: they judge fixed rows, as a history build -#}
    {%- set nodes = graph.get('nodes') if graph is mapping else none -%}
    {%- if not nodes -%}
        {{ return(true) }}
    {%- endif -%}
    {%- for node in nodes.values()
        if node.resource_type == 'model' and node.config.materialized == 'incremental' -%}
        {%- if adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) is none -%}
            {{ return(true) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(false) }}
{% endmacro %}


{#- The earliest open incident date (var `monitor_open_dates`), or none. -#}
{% macro pipemon_earliest_open_date() %}
    {%- set dates = pipemon_open_dates() | sort -%}
    {{ return(dates[0] if dates else none) }}
{% endmacro %}


{#- The first ET date a daily build rewrites in the incremental marts: the judged window's start
    (or the earliest open incident's date) less `incremental_lookback_days`, for rows that arrive
    late. A constant once as_of is known, so BigQuery prunes on it. -#}
{% macro pipemon_rewrite_start_date() -%}
    {%- set start = pipemon_judged_start_date() -%}
    {%- set earliest = pipemon_earliest_open_date() -%}
    {%- if earliest -%}
        {%- set start = 'least(' ~ start ~ ", cast('" ~ earliest ~ "' as date))" -%}
    {%- endif -%}
    {{ pipemon_date_add(start, -(var('incremental_lookback_days') | int)) }}
{%- endmacro %}


{#- A predicate for an incremental mart's daily form: the row's date is one the build rewrites
    (from the rewrite start on, or an open incident's date). -#}
{% macro pipemon_is_rewritten(date_expression) -%}
    {%- set open_dates = pipemon_open_dates() -%}
    ({{ date_expression }} >= {{ pipemon_rewrite_start_date() }}
    {%- if open_dates %}
        or {{ date_expression }} in (
        {%- for d in open_dates | sort %}cast('{{ d }}' as date){% if not loop.last %}, {% endif %}{% endfor -%}
        )
    {%- endif -%})
{%- endmacro %}


{#- The first date a daily build's staging reads: the rewrite start less what the rewritten days
    look back on - the rolling baselines' `baseline_window_days` - and `daily_scan_margin_days`
    for the rest (dedupe across a day's retries, runs crossing midnight, next-morning deadlines). -#}
{% macro pipemon_daily_scan_start_date() -%}
    {%- set days = (var('baseline_window_days') | int) + (var('daily_scan_margin_days') | int) -%}
    {{ pipemon_date_add(pipemon_rewrite_start_date(), -days) }}
{%- endmacro %}


{#- Config of a mart with one row set per date: incremental on that date, each build replacing
    the dates it rewrites (delete+insert of those dates on DuckDB, insert_overwrite of their
    partitions on BigQuery). -#}
{% macro pipemon_daily_mart(date_column, cluster_by=none) %}
    {%- set config = {
        'materialized': 'incremental',
        'unique_key': date_column,
        'incremental_strategy': ('insert_overwrite' if target.type == 'bigquery' else 'delete+insert'),
        'partition_by': pipemon_partition_by(date_column),
        'on_schema_change': 'append_new_columns',
    } -%}
    {%- if cluster_by and target.type == 'bigquery' -%}
        {%- do config.update({'cluster_by': cluster_by}) -%}
    {%- endif -%}
    {{ return(config) }}
{% endmacro %}


{#- Whether a relation (a model's own `this`) exists in the warehouse; offline compiles of the
    daily form assume it does. -#}
{% macro pipemon_relation_exists(relation) %}
    {%- if not execute -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set forced = var('offline_incremental', none) -%}
    {%- if forced is not none and forced != '' -%}
        {{ return((forced | string | lower) in ('true', '1', 'yes')) }}
    {%- endif -%}
    {{ return(adapter.get_relation(database=relation.database, schema=relation.schema, identifier=relation.identifier) is not none) }}
{% endmacro %}
