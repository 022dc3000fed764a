{#- A contract source table, or - when the table does not exist in this warehouse and the source
    is declared `meta.optional` (a planned table the team has not deployed yet) - an empty, typed
    stand-in with the contract's columns, so the build goes on and the monitor reports the table
    as not logged yet (model `monitor_source_availability`).
    Offline compiles (var `offline_compile`) cannot ask the warehouse and assume the table exists.
    With var `read_as_of` (a backtest: `pipemon backtest`), the table as it stood at as_of
    (pipemon_source_as_it_stood). Every staging read of a contract table goes through here. -#}
{% macro pipemon_source(source_name, table_name) %}
    {%- set relation = source(source_name, table_name) -%}
    {%- if pipemon_source_exists(source_name, table_name) -%}
        {%- if execute and var('read_as_of', false) -%}
            {%- set meta = pipemon_source_node(source_name, table_name).meta -%}
            {%- if meta.get('written_at') -%}
                {{ return(pipemon_source_as_it_stood(relation, meta)) }}
            {%- endif -%}
        {%- endif -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set node = pipemon_source_node(source_name, table_name) -%}
    {%- set columns = [] -%}
    {%- for column in node.columns.values() -%}
        {%- do columns.append('cast(null as ' ~ pipemon_contract_type(column.data_type) ~ ') as ' ~ adapter.quote(column.name)) -%}
    {%- endfor -%}
    {{ return('(select ' ~ (columns | join(', ')) ~ ' where 1 = 0)') }}
{% endmacro %}


{#- A source table as it stood at as_of, read in place (a filter, never a copy): rows whose
    write-time column (`meta.written_at`, declared once per table in the sources YAML) is later
    than as_of are left out. A table the pipeline rewrites in place (`meta.as_of_values`: the
    schedule, whose loads MERGE a game's row) keeps such rows with the listed columns as they
    stood before the rewrite (a game final later was still scheduled) and its write time at
    as_of. A row with no write time is kept. -#}
{% macro pipemon_source_as_it_stood(relation, meta) %}
    {%- set written = adapter.quote(meta.written_at) -%}
    {%- set later = written ~ ' > ' ~ pipemon_as_of() -%}
    {%- set values = meta.get('as_of_values') or {} -%}
    {%- if values -%}
        {%- set replaced = [] -%}
        {%- for column, value in values.items() -%}
            {%- do replaced.append('case when ' ~ later ~ ' then ' ~ value ~ ' else ' ~ adapter.quote(column) ~ ' end as ' ~ adapter.quote(column)) -%}
        {%- endfor -%}
        {%- do replaced.append('case when ' ~ later ~ ' then ' ~ pipemon_as_of() ~ ' else ' ~ written ~ ' end as ' ~ written) -%}
        {{ return('(select * replace (' ~ (replaced | join(', ')) ~ ') from ' ~ relation ~ ')') }}
    {%- endif -%}
    {{ return('(select * from ' ~ relation ~ ' where not coalesce(' ~ later ~ ', false))') }}
{% endmacro %}


{#- Whether a contract source table exists here. Non-optional sources always "exist" (a missing
    one is a real error dbt reports). -#}
{% macro pipemon_source_exists(source_name, table_name) %}
    {%- if not execute or var('offline_compile', false) or pipemon_offline_incremental() is not none -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set node = pipemon_source_node(source_name, table_name) -%}
    {%- if not node.meta.get('optional') -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set found = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.identifier) -%}
    {{ return(found is not none) }}
{% endmacro %}


{% macro pipemon_source_node(source_name, table_name) %}
    {%- for node in graph.sources.values() if node.source_name == source_name and node.name == table_name -%}
        {{ return(node) }}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error("no source " ~ source_name ~ "." ~ table_name ~ " is declared") }}
{% endmacro %}


{#- The first date staging reads from a date-partitioned source. A history build (see
    pipemon_is_history_build): var `source_start_date` when set, otherwise `source_history_days`
    before as_of's ET date. A daily build: the daily scan start (pipemon_daily_scan_start_date).
    Every read of a table with `require_partition_filter` carries it, so BigQuery accepts the
    query and prunes partitions. -#}
{% macro pipemon_source_start_date() -%}
    {%- set start = var('source_start_date', '') -%}
    {%- if start -%}
        cast('{{ pipemon_checked_date('source_start_date', start) }}' as date)
    {%- elif not pipemon_is_history_build() -%}
        {{ pipemon_daily_scan_start_date() }}
    {%- else -%}
        {{ pipemon_date_add(pipemon_as_of_date(), -(var('source_history_days') | int)) }}
    {%- endif -%}
{%- endmacro %}


{#- The first date the schedule is read from. The schedule is small (a row per game) and the
    calendar needs each season's opening night (bootstrap days count from it), so a daily build
    reads it a year further back than the other sources: still a bounded read, whatever the
    history kept. -#}
{% macro pipemon_schedule_start_date() -%}
    {%- if not var('source_start_date', '') and not pipemon_is_history_build() -%}
        {{ pipemon_date_add(pipemon_daily_scan_start_date(), -366) }}
    {%- else -%}
        {{ pipemon_source_start_date() }}
    {%- endif -%}
{%- endmacro %}
