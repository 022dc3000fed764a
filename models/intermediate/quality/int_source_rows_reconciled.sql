-- Per source table: rows in, rows staged, rows superseded by a later version of the same key,
-- rows quarantined. Nothing may go missing: rows in = staged + superseded + quarantined.
with

{% for staged in pipemon_staged_sources() %}
{{ staged.base }}_counts as (

    select
        '{{ staged.table }}' as source_table,
        count(*) as rows_in,
        count(case when quarantine_reason is not null then 1 end) as rows_quarantined,
        count(case when quarantine_reason is null then 1 end)
        - count(distinct case when quarantine_reason is null then {{ staged.key }} end) as rows_superseded
    from {{ ref(staged.base) }}

),

{{ staged.base }}_staged as (

    select count(*) as rows_staged from {{ ref(staged.staged) }}

),

{% endfor %}
unioned as (

    {% for staged in pipemon_staged_sources() %}
    select
        counts.source_table,
        counts.rows_in,
        staged.rows_staged,
        counts.rows_superseded,
        counts.rows_quarantined
    from {{ staged.base }}_counts as counts
    cross join {{ staged.base }}_staged as staged
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

reconciled as (

    select
        source_table,
        rows_in,
        rows_staged,
        rows_superseded,
        rows_quarantined,
        rows_in = rows_staged + rows_superseded + rows_quarantined as is_reconciled
    from unioned

)

select * from reconciled
