-- Every dead-lettered message, each with the contract rule it breaks (if any).
with

source as (

    select * from {{ pipemon_source('orchestration', 'pubsub_dead_letters') }}
    where publish_time >= cast({{ pipemon_source_start_date() }} as {{ dbt.type_timestamp() }})

),

classified as (

    select
        source.*,
        coalesce(source.message_id, concat(coalesce(source.subscription_name, '?'), '@', coalesce(cast(source.publish_time as {{ dbt.type_string() }}), '?'))) as row_key,
        {{ pipemon_to_et_date('source.publish_time') }} as event_date,
        {{ pipemon_quarantine_reason(
            required=['subscription_name', 'message_id', 'publish_time'],
            extra=[
                ('not coalesce(' ~ pipemon_is_json('data') ~ ', false)', 'unparseable_json'),
                ('not coalesce(' ~ pipemon_is_json('attributes') ~ ', true)', 'unparseable_json'),
                ('not ' ~ pipemon_json_is_integer('attributes', '$.CloudPubSubDeadLetterSourceDeliveryCount'), 'non_numeric_delivery_count'),
            ],
            timestamps=['publish_time'],
            objects=pipemon_json_object_columns('orchestration', 'pubsub_dead_letters')
        ) }} as quarantine_reason
    from source

)

select * from classified
