-- One row per dead-lettered message. A dead letter whose fields cannot be read (attributes or
-- payload that are not JSON objects, a delivery count that is not a number) is still a dead
-- letter: it is kept with what could be read and its quarantine reason, so it is alerted on as a
-- dead letter (and counted as quarantined). A message dead-lettered twice (two dead-letter
-- subscriptions on one topic, a replay) is one row: its first dead-lettering.
with

dead_letters as (

    select * from {{ ref('base_orchestration__dead_letters') }}
    where quarantine_reason is null
        or quarantine_reason in ('unparseable_json', 'not_an_object', 'non_numeric_delivery_count')

),

first_dead_lettered as (

    {{ pipemon_deduplicate('dead_letters', 'message_id', 'publish_time, subscription_name') }}

),

readable as (

    -- the JSON fields as far as they can be read: an object, or nothing to parse
    select
        *,
        case when {{ pipemon_is_json_object('data') }} then data end as readable_data,
        case when {{ pipemon_is_json_object('attributes') }} then attributes end as readable_attributes
    from first_dead_lettered

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
        {{ pipemon_json_value('readable_attributes', '$.CloudPubSubDeadLetterSourceSubscription') }} as source_subscription,
        {{ pipemon_json_value('readable_data', '$.processor') }} as processor_name,
        {{ pipemon_json_value('readable_data', '$.phase') }} as phase,
        {{ pipemon_json_value('readable_data', '$.correlation_id') }} as correlation_id,
        data as payload,
        quarantine_reason,
        {{ dbt.safe_cast(pipemon_json_value('readable_attributes', '$.CloudPubSubDeadLetterSourceDeliveryCount'), dbt.type_bigint()) }} as delivery_count,
        coalesce(
            {{ dbt.safe_cast(pipemon_json_value('readable_data', '$.game_date'), 'date') }},
            event_date
        ) as data_date,
        event_date as dead_lettered_date,
        publish_time as dead_lettered_at
    from readable

)

select * from parsed
