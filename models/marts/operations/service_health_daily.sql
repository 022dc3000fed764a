{{ config(**pipemon_daily_mart('check_date')) }}
-- Per service and ET date: health checks, failures, latency, and whether the service was unhealthy.
with

checks as (

    select * from {{ ref('stg_orchestration__service_health_checks') }}

),

daily as (

    select
        concat(service_name, ':', cast(check_date as {{ dbt.type_string() }})) as service_day_id,
        service_name,
        max(case when not is_healthy then error_message end) as last_error_message,
        count(*) as checks,
        count(case when not is_healthy then 1 end) as unhealthy_checks,
        avg(case when is_healthy then 1.0 else 0.0 end) as healthy_share,
        {{ pipemon_percentile('latency_ms', 0.95) }} as latency_p95_ms,
        check_date,
        min(case when not is_healthy then checked_at end) as first_unhealthy_at,
        max(checked_at) as last_checked_at
    from checks
    group by service_name, check_date

),

flagged as (

    select
        daily.*,
        daily.unhealthy_checks >= {{ var('service_unhealthy_min_checks') }} as is_unhealthy
    from daily

)

select * from flagged
{{ pipemon_where_rewritten('check_date') }}
