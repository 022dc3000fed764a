-- One row per game date and phase: completion keys expected vs completed, triggered or not, when,
-- and against the phase's deadline. Each phase is read from where the pipeline really records it:
-- phase 1 from the morning schedule scrape; phases 2-4 from the orchestrator's completion document
-- (the probe's Firestore snapshot, else the BigQuery copy written since 2026-01-23; phase 2's
-- `_triggered` fires after any `phase2_trigger_min_keys` keys, phases 3-4 after all); phase 2
-- after its orchestrator was deleted (2026-02-11) from run history; phase 5, which has no
-- document, from the predictions of every system live that day.
with

phase_days as (

    select * from {{ ref('int_phase_deadlines') }}
    where is_game_day
        -- the phase produces nothing on this kind of day (no predictions in the playoffs)
        and is_due_on_day_kind

),

documents as (

    select * from {{ ref('stg_orchestration__firestore_phase_documents') }}

),

completions as (

    select * from {{ ref('stg_orchestration__phase_completions') }}

),

registry as (

    select * from {{ ref('processor_registry') }}
    where is_expected_every_game_day
        -- a processor fed only by scrapers no workflow schedules runs only by hand
        and is_fed_only_by_unscheduled_scrapers is not true

),

outcomes as (

    select * from {{ ref('int_processor_outcomes_resolved') }}

),

systems as (

    select * from {{ ref('int_prediction_systems_covered') }}

),

scraper_runs as (

    select * from {{ ref('fct_scraper_executions') }}
    -- the fact keeps every day; read the days staging reads
    where execution_date >= {{ pipemon_source_start_date() }}

),

expected_keys as (

    select
        phase_days.phase_day_id,
        phase_days.phase,
        phase_days.data_date,
        registry.processor_name,
        registry.is_completion_key
    from phase_days
    inner join registry
        on phase_days.phase = registry.phase
        and {{ pipemon_is_live('registry', 'phase_days.data_date') }}
        and {{ pipemon_is_due_on('registry.due_on_day_kinds', 'phase_days.day_kind') }}

),

copied_keys as (

    select
        phase,
        data_date,
        completion_key,
        completed_at,
        row_number() over (partition by phase, data_date order by completed_at, completion_key) as completion_rank
    from completions

),

copied as (

    select
        phase,
        data_date,
        count(*) as completed_count,
        max(case when completion_rank = {{ var('phase2_trigger_min_keys') }} then completed_at end) as nth_completed_at,
        max(completed_at) as last_completed_at
    from copied_keys
    group by 1, 2

),

key_state as (

    select
        expected_keys.phase_day_id,
        expected_keys.processor_name,
        expected_keys.is_completion_key,
        case
            when documents.document_data is not null
                then strpos(replace(documents.document_data, ' ', ''), concat('"', expected_keys.processor_name, '":{')) > 0
            else copied_keys.completion_key is not null
        end as is_key_written,
        outcomes.final_status in ('success', 'partial') as is_run_finished,
        outcomes.last_completed_at as run_completed_at
    from expected_keys
    left join documents
        on expected_keys.phase = documents.phase
        and expected_keys.data_date = documents.data_date
    left join copied_keys
        on expected_keys.phase = copied_keys.phase
        and expected_keys.data_date = copied_keys.data_date
        and expected_keys.processor_name = copied_keys.completion_key
    left join outcomes
        on expected_keys.processor_name = outcomes.processor_name
        and expected_keys.data_date = outcomes.data_date

),

keys_per_phase_day as (

    select
        phase_day_id,
        count(case when is_completion_key then 1 end) as completion_keys_expected,
        count(case when is_completion_key and is_key_written then 1 end) as completion_keys_written,
        count(*) as processors_expected,
        count(case when is_run_finished then 1 end) as processors_finished,
        max(run_completed_at) as last_run_completed_at,
        string_agg(case when is_completion_key and not is_key_written then processor_name end, ', ' order by processor_name)
            as keys_missing,
        string_agg(case when not coalesce(is_run_finished, false) then processor_name end, ', ' order by processor_name)
            as runs_missing
    from key_state
    group by 1

),

schedule_scrapes as (

    select
        game_date as data_date,
        min(completed_at) as completed_at
    from scraper_runs
    where scraper_name = '{{ var("phase1_completion_scraper") }}'
        and status in ('success', 'partial')
    group by 1

),

predictions_done as (

    select
        game_date as data_date,
        count(*) as systems_expected,
        count(case when not is_system_missing then 1 end) as systems_complete,
        max(last_prediction_at) as last_prediction_at,
        string_agg(case when is_system_missing then system_id end, ', ' order by system_id) as systems_missing
    from systems
    group by 1

),

sourced_days as (

    -- where each phase's completion is read on its date: a date with no completion record at
    -- all (no Firestore snapshot taken yet, the BigQuery dual-write not live yet) is "not
    -- logged", not "not triggered": run history says whether the phase's processors ran
    select
        phase_days.*,
        case
            when phase_days.completion_source_on_date = 'firestore'
                and documents.phase_document_id is null
                and copied.phase is null
                then 'run_history'
            else phase_days.completion_source_on_date
        end as completion_source_read,
        documents.phase_document_id,
        documents.completed_count as document_completed_count,
        documents.is_triggered as is_document_triggered,
        coalesce(documents.triggered_at, documents.last_changed_at) as document_triggered_at,
        copied.phase is not null as has_copied_record,
        copied.completed_count as copied_completed_count,
        copied.nth_completed_at as copied_nth_completed_at,
        copied.last_completed_at as copied_last_completed_at
    from phase_days
    left join documents
        on phase_days.phase = documents.phase
        and phase_days.data_date = documents.data_date
    left join copied
        on phase_days.phase = copied.phase
        and phase_days.data_date = copied.data_date

),

joined as (

    select
        sourced_days.phase_day_id,
        sourced_days.phase,
        sourced_days.phase_label,
        sourced_days.completion_source_read as completion_source,
        case sourced_days.completion_source_read
            when 'firestore'
                then
                    case when sourced_days.phase = 'phase2' then null else keys_per_phase_day.keys_missing end
            when 'run_history' then keys_per_phase_day.runs_missing
            when 'predictions' then predictions_done.systems_missing
        end as processors_missing,
        sourced_days.phase_number,
        case sourced_days.completion_source_read
            when 'scraper_log' then 1
            when 'firestore'
                then
                    case
                        when sourced_days.phase = 'phase2' then {{ var('phase2_trigger_min_keys') }}
                        else keys_per_phase_day.completion_keys_expected
                    end
            when 'run_history' then keys_per_phase_day.processors_expected
            when 'predictions' then coalesce(predictions_done.systems_expected, 0)
        end as processors_expected,
        case sourced_days.completion_source_read
            when 'scraper_log' then case when schedule_scrapes.completed_at is null then 0 else 1 end
            when 'firestore' then coalesce(sourced_days.document_completed_count, sourced_days.copied_completed_count, 0)
            when 'run_history' then coalesce(keys_per_phase_day.processors_finished, 0)
            when 'predictions' then coalesce(predictions_done.systems_complete, 0)
        end as processors_completed,
        sourced_days.phase_document_id is not null or sourced_days.has_copied_record as has_completion_document,
        sourced_days.is_due,
        sourced_days.is_relaxed,
        sourced_days.is_bootstrap,
        -- the scraper log keeps 90 days: phase-1 dates whose rows may have expired are not judged
        sourced_days.phase = 'phase1'
        and sourced_days.data_date <= {{ pipemon_date_add(pipemon_as_of_date(), -(var('scraper_log_retention_days') | int)) }}
            as is_expired,
        sourced_days.data_date,
        sourced_days.deadline_at,
        case sourced_days.completion_source_read
            when 'scraper_log' then schedule_scrapes.completed_at
            when 'firestore'
                then
                    case
                        when sourced_days.phase_document_id is not null
                            then case when sourced_days.is_document_triggered then sourced_days.document_triggered_at end
                        when sourced_days.phase = 'phase2' then sourced_days.copied_nth_completed_at
                        when sourced_days.copied_completed_count >= keys_per_phase_day.completion_keys_expected
                            then sourced_days.copied_last_completed_at
                    end
            when 'run_history'
                then
                    case
                        when keys_per_phase_day.processors_finished = keys_per_phase_day.processors_expected
                            then keys_per_phase_day.last_run_completed_at
                    end
            when 'predictions' then
                case
                    when predictions_done.systems_complete = predictions_done.systems_expected
                        then predictions_done.last_prediction_at
                end
        end as completed_at
    from sourced_days
    left join keys_per_phase_day
        on sourced_days.phase_day_id = keys_per_phase_day.phase_day_id
    left join schedule_scrapes
        on sourced_days.phase = 'phase1'
        and sourced_days.data_date = schedule_scrapes.data_date
    left join predictions_done
        on sourced_days.phase = 'phase5'
        and sourced_days.data_date = predictions_done.data_date

),

flagged as (

    select
        joined.phase_day_id,
        joined.phase,
        joined.phase_label,
        joined.completion_source,
        joined.processors_missing,
        joined.phase_number,
        joined.processors_expected,
        joined.processors_completed,
        case
            when joined.completed_at is not null
                then {{ dbt.datediff('joined.deadline_at', 'joined.completed_at', 'minute') }}
        end as minutes_after_deadline,
        joined.completed_at is not null as is_triggered,
        joined.has_completion_document,
        joined.is_due,
        joined.is_relaxed or joined.is_expired as is_relaxed,
        joined.is_bootstrap,
        joined.completed_at > joined.deadline_at as is_late,
        joined.is_due and joined.completed_at is null and not joined.is_relaxed and not joined.is_expired
            as is_not_triggered,
        joined.data_date,
        joined.deadline_at,
        joined.completed_at,
        case
            when joined.completed_at is not null and joined.completed_at <= joined.deadline_at then 'on_time'
            when joined.completed_at is not null then 'late'
            when joined.is_expired then 'expired'
            when joined.is_relaxed then 'bootstrap'
            when joined.is_due then 'not_triggered'
            else 'pending'
        end as phase_status
    from joined

)

select * from flagged
