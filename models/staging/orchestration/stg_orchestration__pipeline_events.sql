-- One row per pipeline event. The logger spells phases several ways ('phase_2' for scrapers,
-- 'phase_2_raw', 'phase_3'): `phase` is normalised to `phase1`..`phase5`.
with

accepted as (

    select * from {{ ref('base_orchestration__pipeline_events') }}
    where quarantine_reason is null

),

latest as (

    {{ pipemon_deduplicate('accepted', 'event_id', adapter.quote('timestamp') ~ ' desc') }}

),

renamed as (

    select
        event_id,
        event_type,
        phase as logged_phase,
        case
            when processor_name like '%Scraper' or processor_name like '%scraper%' then 'phase1'
            when phase like 'phase_2%' or phase like 'phase2%' then 'phase2'
            when phase like 'phase_3%' or phase like 'phase3%' then 'phase3'
            when phase like 'phase_4%' or phase like 'phase4%' then 'phase4'
            when phase like 'phase_5%' or phase like 'phase5%' then 'phase5'
        end as phase,
        processor_name as processor_class_name,
        correlation_id,
        trigger_source,
        error_type,
        error_message,
        duration_seconds,
        records_processed,
        event_type = 'error' as is_error,
        event_date as game_date,
        {{ adapter.quote('timestamp') }} as event_at
    from latest

)

select * from renamed
