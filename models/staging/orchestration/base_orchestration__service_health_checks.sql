-- Every health-check row written by `pipemon probe`, each with the contract rule it breaks (if any).
with

source as (

    select * from {{ pipemon_source('orchestration', 'service_health_checks') }}
    where checked_at >= cast({{ pipemon_source_start_date() }} as {{ dbt.type_timestamp() }})

),

classified as (

    select
        source.*,
        concat(coalesce(source.service_name, '?'), '@', coalesce(cast(source.checked_at as {{ dbt.type_string() }}), '?')) as row_key,
        {{ pipemon_to_et_date('source.checked_at') }} as event_date,
        {{ pipemon_quarantine_reason(
            required=['service_name', 'checked_at', 'is_healthy'],
            timestamps=['checked_at'],
            finite=['latency_ms']
        ) }} as quarantine_reason
    from source

)

select * from classified
