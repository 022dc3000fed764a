-- One row per NBA operator halt override (the latest write of a key wins).
with

accepted as (

    select * from {{ ref('base_orchestration__halt_overrides') }}
    where quarantine_reason is null
        and scope_reason is null

),

latest as (

    {{ pipemon_deduplicate('accepted', 'row_key', 'created_at desc') }}

),

renamed as (

    select
        row_key as halt_override_id,
        sport,
        halt_reason,
        note,
        created_by,
        active as is_active,
        start_date,
        end_date,
        created_at
    from latest

)

select * from renamed
