{{ config(**pipemon_daily_mart('dead_lettered_date')) }}
-- One row per dead-lettered Pub/Sub message: which topic and subscription it came from, how
-- many delivery attempts it had, the processor and date its payload names, and why a field could
-- not be read. A daily build leaves out a message stored on a date it does not rewrite (its
-- first dead-lettering), as a history build keeps only that one.
with

dead_letters as (

    select * from {{ ref('stg_orchestration__dead_letters') }}

),

registry as (

    select * from {{ ref('processor_registry') }}

),

{% if pipemon_rewrites_only() %}
stored as (

    select message_id from {{ this }}
    where not {{ pipemon_is_rewritten('dead_lettered_date') }}

),
{% endif %}

joined as (

    select
        dead_letters.dead_letter_id,
        dead_letters.message_id,
        dead_letters.subscription_name,
        dead_letters.original_topic,
        dead_letters.source_subscription,
        coalesce(dead_letters.processor_name, dead_letters.original_topic) as target_name,
        dead_letters.processor_name,
        coalesce(dead_letters.phase, registry.phase) as phase,
        registry.owner,
        dead_letters.payload,
        dead_letters.quarantine_reason,
        dead_letters.delivery_count,
        dead_letters.data_date,
        dead_letters.dead_lettered_date,
        dead_letters.dead_lettered_at
    from dead_letters
    left join registry
        on dead_letters.processor_name = registry.processor_name
    {%- if pipemon_rewrites_only() %}
    where dead_letters.message_id not in (select stored.message_id from stored)
    {%- endif %}

)

select * from joined
{{ pipemon_where_rewritten('dead_lettered_date') }}
