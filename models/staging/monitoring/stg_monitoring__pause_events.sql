with

source as (

    select * from {{ source('monitoring', 'output_pauses') }}

),

renamed as (

    select
        pause_event_id,
        pause_id,
        event_type,
        output_name,
        reason,
        actor,
        first_date,
        until_date,
        occurred_at
    from source

)

select * from renamed
