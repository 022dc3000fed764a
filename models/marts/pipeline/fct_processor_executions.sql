{{
    config(
        materialized='incremental',
        unique_key='execution_id',
        incremental_strategy=('insert_overwrite' if target.type == 'bigquery' else 'delete+insert'),
        partition_by=pipemon_partition_by('execution_date'),
        cluster_by=['processor_name', 'status'],
        on_schema_change='append_new_columns',
    )
}}
-- One row per processor execution (phases 2-5) after dedupe: its delivery attempt of the
-- Pub/Sub message, the dependency checks that preceded it, and what went wrong.
with

executions as (

    select * from {{ ref('stg_orchestration__processor_executions') }}
    {% if is_incremental() %}
        where triggered_at >= {{ pipemon_incremental_cutoff() }}
    {% endif %}

),

dependency_checks as (

    select * from {{ ref('stg_orchestration__dependency_checks') }}
    {% if is_incremental() %}
        where checked_at >= {{ pipemon_incremental_cutoff(extra_days=1) }}
    {% endif %}

),

checks_per_execution as (

    select
        execution_id,
        count(*) as dependency_checks,
        count(case when is_failed then 1 end) as failed_dependency_checks,
        max(case when is_fallback_used then 1 else 0 end) = 1 as is_fallback_used,
        string_agg(case when is_failed then required_table end, ', ' order by required_table) as failed_dependency_tables
    from dependency_checks
    where execution_id is not null
    group by 1

),

deliveries as (

    select
        executions.*,
        case
            when executions.pubsub_message_id is null then 1
            else row_number() over (
                    partition by executions.pubsub_message_id
                    order by executions.triggered_at, executions.execution_id
                )
        end as delivery_attempt,
        case
            when executions.pubsub_message_id is null then 1
            else count(*) over (partition by executions.pubsub_message_id)
        end as deliveries_of_message
    from executions

),

joined as (

    select
        deliveries.execution_id,
        deliveries.processor_name,
        deliveries.phase,
        deliveries.status,
        deliveries.trigger_source,
        deliveries.pubsub_message_id,
        deliveries.correlation_id,
        deliveries.error_type,
        deliveries.error_message,
        checks_per_execution.failed_dependency_tables,
        deliveries.cloud_run_revision,
        deliveries.duration_seconds,
        deliveries.records_processed,
        deliveries.records_created,
        deliveries.delivery_attempt,
        deliveries.deliveries_of_message,
        coalesce(checks_per_execution.dependency_checks, 0) as dependency_checks,
        coalesce(checks_per_execution.failed_dependency_checks, 0) as failed_dependency_checks,
        deliveries.is_failure,
        deliveries.is_success,
        deliveries.is_skipped,
        deliveries.is_skipped and deliveries.delivery_attempt > 1 as is_duplicate_delivery,
        coalesce(checks_per_execution.is_fallback_used, false) as is_fallback_used,
        deliveries.data_date,
        deliveries.execution_date,
        deliveries.triggered_at,
        deliveries.completed_at
    from deliveries
    left join checks_per_execution
        on deliveries.execution_id = checks_per_execution.execution_id

)

select * from joined
