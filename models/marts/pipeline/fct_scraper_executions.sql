{{
    config(
        materialized='incremental',
        unique_key='execution_id',
        incremental_strategy=('insert_overwrite' if target.type == 'bigquery' else 'delete+insert'),
        partition_by=pipemon_partition_by('execution_date'),
        cluster_by=['scraper_name', 'workflow', 'status'],
        on_schema_change='append_new_columns',
    )
}}
-- One row per phase-1 scraper execution after dedupe, named as the scraper registry names it (the
-- log carries the snake-cased class name: registry column `log_name`).
with

executions as (

    select * from {{ ref('stg_orchestration__scraper_executions') }}
    {% if is_incremental() %}
        where triggered_at >= {{ pipemon_incremental_cutoff() }}
    {% endif %}

),

registry as (

    select * from {{ ref('scraper_registry') }}

),

joined as (

    select
        executions.execution_id,
        coalesce(registry.scraper_name, executions.scraper_log_name) as scraper_name,
        executions.scraper_log_name,
        executions.workflow,
        executions.status,
        executions.trigger_source,
        executions.error_type,
        executions.error_message,
        registry.source_site,
        registry.owner,
        executions.record_count,
        executions.duration_seconds,
        executions.retry_count,
        executions.is_failure,
        executions.is_no_data,
        executions.is_recovery,
        executions.is_partial,
        registry.scraper_name is not null as is_registered,
        executions.game_date,
        executions.execution_date,
        executions.triggered_at,
        executions.completed_at
    from executions
    left join registry
        on executions.scraper_log_name = registry.log_name

)

select * from joined
