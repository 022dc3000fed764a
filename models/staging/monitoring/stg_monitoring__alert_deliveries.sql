with

source as (

    select * from {{ source('monitoring', 'alert_log') }}

),

renamed as (

    select
        delivery_id,
        alert_id,
        run_id,
        signature,
        kind,
        alert_source,
        test_unique_id,
        test_name,
        severity,
        target,
        owner,
        subject,
        channel,
        status as delivery_status,
        last_error,
        occurrence,
        failing_rows,
        coalesce(attempts, 0) as attempt_count,
        status = 'sent' as is_sent,
        status in ('pending', 'claimed') as is_pending,
        status = 'suppressed' as is_suppressed,
        alert_source = 'monitor' as is_monitor_failure,
        game_date,
        created_at,
        claimed_at,
        sent_at,
        updated_at
    from source

)

select * from renamed
