-- One row per NBA effective date of the pipeline's declared halt state: the latest write wins (the
-- writer MERGEs, a re-run replaces the row). `is_declared_halt`: a decision someone or something
-- took; `predictions_inactive` is the writer naming a symptom and declares nothing.
with

accepted as (

    select * from {{ ref('base_orchestration__halt_states') }}
    where quarantine_reason is null
        and scope_reason is null

),

latest as (

    {{ pipemon_deduplicate('accepted', 'row_key', 'written_at desc') }}

),

renamed as (

    select
        row_key as halt_state_id,
        sport,
        halt_reason,
        source as written_by_source,
        actor,
        halt_active as is_halt_active,
        halt_active and halt_reason <> 'predictions_inactive' as is_declared_halt,
        effective_date,
        coalesce(halt_since, effective_date) as halt_since_date,
        written_at
    from latest

)

select * from renamed
