with

source as (

    select * from {{ source('monitoring', 'incident_events') }}

),

renamed as (

    select
        event_id,
        incident_id,
        run_id,
        event_type,
        signature,
        cause_signature,
        test_name,
        severity,
        target,
        reason,
        actor,
        payload,
        run_id is null as is_by_hand,
        game_date,
        ack_until,
        occurred_at
    from source

)

select * from renamed
