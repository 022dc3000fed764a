with

accepted as (

    select * from {{ ref('base_orchestration__dead_letters') }}
    where quarantine_reason is null

),

latest as (

    {{ pipemon_deduplicate('accepted', 'subscription_name, message_id', 'publish_time desc') }}

),

parsed as (

    select
        concat(subscription_name, ':', message_id) as dead_letter_id,
        message_id,
        subscription_name,
        case
            when strpos(subscription_name, '-dlq') > 0
                then substr(subscription_name, 1, strpos(subscription_name, '-dlq') - 1)
            else subscription_name
        end as original_topic,
        {{ pipemon_json_value('attributes', '$.CloudPubSubDeadLetterSourceSubscription') }} as source_subscription,
        {{ pipemon_json_value('data', '$.processor') }} as processor_name,
        {{ pipemon_json_value('data', '$.phase') }} as phase,
        {{ pipemon_json_value('data', '$.correlation_id') }} as correlation_id,
        data as payload,
        {{ dbt.safe_cast(pipemon_json_value('attributes', '$.CloudPubSubDeadLetterSourceDeliveryCount'), dbt.type_bigint()) }} as delivery_count,
        coalesce(
            {{ dbt.safe_cast(pipemon_json_value('data', '$.game_date'), 'date') }},
            event_date
        ) as data_date,
        event_date as dead_lettered_date,
        publish_time as dead_lettered_at
    from latest

)

select * from parsed
