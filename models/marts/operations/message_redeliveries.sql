{{ config(**pipemon_daily_mart('data_date')) }}
-- Pub/Sub messages delivered more than once (at-least-once delivery): one row per message with
-- its processor, deliveries and how they ended. Many deliveries of one message is a storm.
with

executions as (

    select * from {{ ref('fct_processor_executions') }}
    where pubsub_message_id is not null
        and execution_date >= {{ pipemon_source_start_date() }}

),

messages as (

    select
        pubsub_message_id,
        processor_name,
        max(phase) as phase,
        count(*) as deliveries,
        count(case when is_failure then 1 end) as failed_deliveries,
        count(case when is_duplicate_delivery then 1 end) as duplicate_deliveries,
        max(case when is_success then 1 else 0 end) = 1 as has_succeeded,
        min(data_date) as data_date,
        min(triggered_at) as first_delivered_at,
        max(triggered_at) as last_delivered_at
    from executions
    group by 1, 2
    having count(*) > 1

),

flagged as (

    select
        concat(messages.pubsub_message_id, ':', messages.processor_name) as redelivered_message_id,
        messages.*,
        messages.deliveries >= {{ var('redelivery_storm_min_deliveries') }} as is_storm
    from messages

)

select * from flagged
{{ pipemon_where_rewritten('data_date') }}
