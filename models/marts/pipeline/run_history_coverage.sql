{{ config(**pipemon_daily_mart('data_date')) }}
-- Run-history coverage of the processors that should write it (phases 2-4): processors that ran
-- (execution log) but wrote no run history, and registry processors with no run at all.
with

outcomes as (

    select * from {{ ref('int_processor_outcomes_resolved') }}
    where writes_run_history

),

covered as (

    select
        processor_day_id,
        processor_name,
        run_history_class,
        phase,
        owner,
        case
            when is_missing then 'never_ran'
            when is_missing_run_history then 'ran_without_run_history'
            when attempts > 0 then 'covered'
            else 'not_due'
        end as coverage_status,
        attempts,
        run_history_runs,
        is_expected,
        data_date
    from outcomes

)

select * from covered
{{ pipemon_where_rewritten('data_date') }}
