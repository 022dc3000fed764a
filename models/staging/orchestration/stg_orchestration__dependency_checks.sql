with

accepted as (

    select * from {{ ref('base_orchestration__dependency_checks') }}
    where quarantine_reason is null

),

latest as (

    {{ pipemon_deduplicate('accepted', 'check_id', 'check_time desc') }}

),

renamed as (

    select
        check_id,
        execution_id,
        processor_name,
        required_table,
        required_partition,
        check_result,
        error_message,
        row_count,
        check_result = 'FAIL' as is_failed,
        coalesce(fallback_available, false) as is_fallback_available,
        coalesce(fallback_used, false) as is_fallback_used,
        event_date as data_date,
        {{ pipemon_to_et_date('check_time') }} as check_date,
        check_time as checked_at
    from latest

)

select * from renamed
