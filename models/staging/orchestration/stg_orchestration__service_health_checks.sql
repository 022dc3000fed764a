with

accepted as (

    select * from {{ ref('base_orchestration__service_health_checks') }}
    where quarantine_reason is null

),

latest as (

    {{ pipemon_deduplicate('accepted', 'row_key', 'is_healthy') }}

),

renamed as (

    select
        row_key as health_check_id,
        service_name,
        url,
        error_message,
        http_status,
        latency_ms,
        is_healthy,
        event_date as check_date,
        checked_at
    from latest

)

select * from renamed
