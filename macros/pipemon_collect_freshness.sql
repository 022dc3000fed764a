{#- Source freshness judged from `as_of`, not the wall clock: dbt's `collect_freshness` with
    `snapshotted_at` = pipemon_as_of() and only rows loaded by then counted, so a replay or a
    backfill (`--vars '{as_of: ...}'`) judges what was fresh at that moment. Without `as_of`,
    pipemon_as_of() is the current time and this is dbt's own behaviour. dbt finds this macro
    first through the project's `dispatch` config (macro_namespace dbt). -#}
{% macro default__collect_freshness(source, loaded_at_field, filter) %}
  {% call statement('collect_freshness', fetch_result=True, auto_begin=False) -%}
    select
        max({{ loaded_at_field }}) as max_loaded_at,
        {{ pipemon_as_of() }} as snapshotted_at
    from {{ source }}
    where {{ loaded_at_field }} <= {{ pipemon_as_of() }}
    {%- if filter %}
        and ({{ filter }})
    {%- endif %}
  {% endcall %}
  {{ return(load_result('collect_freshness')) }}
{% endmacro %}
