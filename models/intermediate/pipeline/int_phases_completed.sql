-- One row per game date and phase: processors expected vs completed (Firestore state), triggered
-- or not, when, and against the phase's deadline. Phase 1 is the morning schedule scrape.
with

phase_days as (

    select * from {{ ref('int_phase_deadlines') }}
    where is_game_day

),

documents as (

    select * from {{ ref('stg_firestore__phase_completions') }}
    where not is_deleted

),

registry as (

    select * from {{ ref('processor_registry') }}
    where is_expected_every_game_day

),

scraper_runs as (

    select * from {{ ref('fct_scraper_executions') }}

),

expected_per_phase as (

    select
        phase,
        count(*) as processors_expected
    from registry
    group by 1

),

missing_per_document as (

    select
        phase_days.phase_day_id,
        string_agg(registry.processor_name, ', ' order by registry.processor_name) as processors_missing
    from phase_days
    inner join registry
        on phase_days.phase = registry.phase
    left join documents
        on phase_days.phase = documents.phase
        and phase_days.data_date = documents.data_date
    where documents.document_data is null
        or strpos(replace(documents.document_data, ' ', ''), concat('"', registry.processor_name, '":{')) = 0
    group by 1

),

schedule_scrapes as (

    select
        game_date as data_date,
        min(completed_at) as completed_at
    from scraper_runs
    where scraper_name = '{{ var("phase1_completion_scraper") }}'
        and status = 'success'
    group by 1

),

joined as (

    select
        phase_days.phase_day_id,
        phase_days.phase,
        phase_days.phase_label,
        missing_per_document.processors_missing,
        phase_days.phase_number,
        coalesce(expected_per_phase.processors_expected, 1) as processors_expected,
        case
            when phase_days.phase = 'phase1' then case when schedule_scrapes.completed_at is null then 0 else 1 end
            else coalesce(documents.completed_count, 0)
        end as processors_completed,
        case
            when phase_days.phase = 'phase1' then schedule_scrapes.completed_at is not null
            else coalesce(documents.is_triggered, false)
        end as is_triggered,
        phase_days.is_due,
        phase_days.is_relaxed,
        phase_days.is_bootstrap,
        phase_days.data_date,
        phase_days.deadline_at,
        case
            when phase_days.phase = 'phase1' then schedule_scrapes.completed_at
            else documents.triggered_at
        end as completed_at
    from phase_days
    left join documents
        on phase_days.phase = documents.phase
        and phase_days.data_date = documents.data_date
    left join expected_per_phase
        on phase_days.phase = expected_per_phase.phase
    left join missing_per_document
        on phase_days.phase_day_id = missing_per_document.phase_day_id
    left join schedule_scrapes
        on phase_days.phase = 'phase1'
        and phase_days.data_date = schedule_scrapes.data_date

),

flagged as (

    select
        joined.*,
        case
            when joined.completed_at is not null
                then {{ dbt.datediff('joined.deadline_at', 'joined.completed_at', 'minute') }}
        end as minutes_after_deadline,
        joined.completed_at > joined.deadline_at as is_late,
        joined.is_due and joined.completed_at is null and not joined.is_relaxed as is_not_triggered,
        case
            when joined.completed_at is not null and joined.completed_at <= joined.deadline_at then 'on_time'
            when joined.completed_at is not null then 'late'
            when joined.is_relaxed then 'bootstrap'
            when joined.is_due then 'not_triggered'
            else 'pending'
        end as phase_status
    from joined

)

select * from flagged
