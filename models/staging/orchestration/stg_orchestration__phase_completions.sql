-- One row per phase, date and completion key: the first write wins, as in Firestore. Phase-2 keys
-- carry a `p2_` prefix since 2026-01-28; `completion_key` is the key without it.
with

accepted as (

    select * from {{ ref('base_orchestration__phase_completions') }}
    where quarantine_reason is null

),

first_write as (

    {{ pipemon_deduplicate('accepted', 'row_key', 'completed_at, inserted_at') }}

),

renamed as (

    select
        row_key as phase_completion_id,
        phase,
        processor_name as logged_key,
        case
            when phase = 'phase2' and substr(processor_name, 1, 3) = 'p2_' then substr(processor_name, 4)
            else processor_name
        end as completion_key,
        status,
        execution_id,
        correlation_id,
        record_count,
        game_date as data_date,
        completed_at,
        inserted_at
    from first_write

)

select * from renamed
