with

deliveries as (

    select * from {{ ref('stg_monitoring__alert_deliveries') }}

),

alerts as (

    select
        alert_id,
        min(run_id) as run_id,
        min(signature) as signature,
        min(kind) as kind,
        min(alert_source) as alert_source,
        min(test_unique_id) as test_unique_id,
        min(test_name) as test_name,
        min(severity) as severity,
        min(target) as target,
        min(owner) as owner,
        min(subject) as subject,
        min(occurrence) as occurrence,
        min(failing_rows) as failing_row_count,
        count(channel) as channel_count,
        count(case when is_sent then 1 end) as channels_sent_count,
        count(case when is_pending then 1 end) as channels_pending_count,
        cast(sum(attempt_count) as {{ dbt.type_bigint() }}) as attempt_count,
        min(kind) = 'suppressed' as is_suppressed,
        min(alert_source) = 'monitor' as is_monitor_failure,
        min(game_date) as game_date,
        min(created_at) as created_at,
        min(sent_at) as first_sent_at,
        max(sent_at) as last_sent_at
    from deliveries
    group by alert_id

),

final as (

    select
        *,
        channel_count > 0 and channels_sent_count = channel_count as is_delivered
    from alerts

)

select * from final
