-- One row per run-history run of a registered NBA processor, under its registry name: run history
-- names processors by class and shares the table with the MLB processors, which are left out here
-- by rule. Every model that reads run history by processor reads it through this one.
with

registry as (

    select * from {{ ref('processor_registry') }}

),

runs as (

    select * from {{ ref('stg_reference__processor_runs') }}
    where sport = 'nba'

),

registered as (

    select
        runs.*,
        registry.processor_name,
        registry.phase
    from runs
    inner join registry
        on runs.processor_class_name = registry.run_history_class

)

select * from registered
