-- Every source row that breaks the contract, with the table it came from and why.
with

{% for staged in pipemon_staged_sources() %}
{{ staged.base }} as (

    select
        '{{ staged.table }}' as source_table,
        quarantine_reason,
        row_key,
        event_date
    from {{ ref(staged.base) }}
    where quarantine_reason is not null

),

{% endfor %}
unioned as (

    {% for staged in pipemon_staged_sources() %}
    select * from {{ staged.base }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

keyed as (

    select
        concat(source_table, ':', quarantine_reason, ':', row_key, ':', cast(row_number() over (partition by source_table, quarantine_reason, row_key order by event_date) as {{ dbt.type_string() }})) as quarantined_row_id,
        source_table,
        quarantine_reason,
        row_key,
        event_date
    from unioned

)

select * from keyed
