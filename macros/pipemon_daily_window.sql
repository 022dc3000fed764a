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
    {%- set forced = pipemon_offline_incremental() -%}
    {%- if forced is not none -%}
        {{ return(not forced) }}
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


{#- The runner's last build of everything (var `monitor_last_built_date`), or none. -#}
{% macro pipemon_last_built_date() %}
    {%- set built = pipemon_run_var('monitor_last_built_date', '') | string -%}
    {%- if built in ('', 'None') -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(pipemon_checked_date('monitor_last_built_date', built)) }}
{% endmacro %}


{#- The first ET date a daily build rewrites in the incremental marts: the earliest of the
    judged window's start, the earliest open incident's date and the runner's last build of
    everything (after an outage of the monitor the days it missed are rewritten too), less
    `incremental_lookback_days`, for rows that arrive late. A constant once as_of is known, so
    BigQuery prunes on it. -#}
{% macro pipemon_rewrite_start_date() -%}
    {%- set earlier = [pipemon_earliest_open_date(), pipemon_last_built_date()] | select | list -%}
    {%- set start = pipemon_judged_start_date() -%}
    {%- if earlier -%}
        {%- set start = 'least(' ~ start ~ ", " ~ pipemon_date_literals(earlier) ~ ")" -%}
    {%- endif -%}
    {{ pipemon_date_add(start, -(var('incremental_lookback_days') | int)) }}
{%- endmacro %}


{#- A predicate for an incremental mart's daily form: the row's date is one the build rewrites
    (from the rewrite start on, or an open incident's date). -#}
{% macro pipemon_is_rewritten(date_expression) -%}
    {%- set open_dates = pipemon_open_dates() -%}
    ({{ date_expression }} >= {{ pipemon_rewrite_start_date() }}
    {%- if open_dates %}
        or {{ date_expression }} in ({{ pipemon_date_literals(open_dates | sort) }})
    {%- endif -%})
{%- endmacro %}


{#- The first date a daily build's staging reads: the rewrite start less `daily_scan_margin_days`
    (a day's retries and redeliveries, runs crossing midnight). What looks further back reads the
    marts' stored days instead: the rolling baselines (pipemon_comparable_days), a log table's last
    row (log_table_activity); the schedule is read a year back (pipemon_schedule_start_date). -#}
{% macro pipemon_daily_scan_start_date() -%}
    {{ pipemon_date_add(pipemon_rewrite_start_date(), -(var('daily_scan_margin_days') | int)) }}
{%- endmacro %}


{#- Config of a mart with one row set per date: incremental on that date, each build replacing
    the dates it rewrites (delete+insert of those dates on DuckDB, insert_overwrite of their
    partitions on BigQuery). -#}
{% macro pipemon_daily_mart(date_column) %}
    {%- set config = {
        'materialized': 'incremental',
        'unique_key': date_column,
        'incremental_strategy': ('insert_overwrite' if target.type == 'bigquery' else 'delete+insert'),
        'partition_by': pipemon_partition_by(date_column),
        'on_schema_change': 'append_new_columns',
    } -%}
    {{ return(config) }}
{% endmacro %}


{#- Whether a relation (a model's own `this`) exists in the warehouse; offline compiles of the
    daily form assume it does. -#}
{% macro pipemon_relation_exists(relation) %}
    {%- if not execute -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set forced = pipemon_offline_incremental() -%}
    {%- if forced is not none -%}
        {{ return(forced) }}
    {%- endif -%}
    {{ return(adapter.get_relation(database=relation.database, schema=relation.schema, identifier=relation.identifier) is not none) }}
{% endmacro %}


{#- Whether this incremental mart's build rewrites only its rewritten dates: an incremental run
    of a daily build. A history build rewrites every date it reads, even into an existing table. -#}
{% macro pipemon_rewrites_only() %}
    {{ return(is_incremental() and not pipemon_is_history_build()) }}
{% endmacro %}


{#- The closing filter of an incremental mart on its date: `where` the rewritten dates in a daily
    build's incremental run, nothing otherwise (a history build writes every date it read). -#}
{% macro pipemon_where_rewritten(date_column) -%}
    {%- if pipemon_rewrites_only() -%}
    where {{ pipemon_is_rewritten(date_column) }}
    {%- endif -%}
{%- endmacro %}


{#- The days a rolling baseline compares: in a history build every row of `relation`; in a daily
    build the rewritten days of `relation` and, before them, `baseline_window_days` of the days
    the mart stored (`stored`: the mart's own table), so a baseline reads a compact daily
    aggregate instead of the raw logs of a month. The columns: keys, the date, the metrics and
    the two pipemon_rolling_baseline needs. -#}
{% macro pipemon_comparable_days(relation, stored, keys, date_column, metrics) -%}
    {%- set columns = keys + [date_column] + metrics + ['is_game_day', 'is_known_incident'] -%}
    select {{ columns | join(', ') }} from {{ relation }}
    {%- if stored is not none %}
    where {{ pipemon_is_rewritten(date_column) }}
    union all
    select {{ columns | join(', ') }} from {{ stored }}
    where {{ date_column }} >= {{ pipemon_date_add(pipemon_rewrite_start_date(), -(var('baseline_window_days') | int)) }}
        and not {{ pipemon_is_rewritten(date_column) }}
    {%- endif %}
{%- endmacro %}


{#- The table a mart stored, for a daily build that reads its earlier days: `this` in the mart
    itself, or the named mart from a model upstream of it (never a ref, which would be a cycle). -#}
{% macro pipemon_stored_mart(name=none) %}
    {%- if not execute or pipemon_is_history_build() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if name is none -%}
        {{ return(this if pipemon_rewrites_only() else none) }}
    {%- endif -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.name == name -%}
        {{ return(api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias)) }}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error("no model " ~ name ~ " to read stored days from") }}
{% endmacro %}
