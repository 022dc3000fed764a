-- Every row of the dependency check log, each with the contract rule it breaks (if any).
with

source as (

    select * from {{ pipemon_source('orchestration', 'dependency_check_log') }}
    where check_time >= cast({{ pipemon_source_start_date() }} as {{ dbt.type_timestamp() }})

),

classified as (

    select
        source.*,
        coalesce(
            source.check_id,
            concat(coalesce(source.processor_name, '?'), '@', coalesce(cast(source.check_time as {{ dbt.type_string() }}), '?'))
        ) as row_key,
        coalesce(source.data_date, {{ pipemon_to_et_date('source.check_time') }}) as event_date,
        {{ pipemon_quarantine_reason(
            required=['check_id', 'check_time', 'processor_name', 'required_table', 'check_result'],
            accepted=pipemon_accepted_values('orchestration', 'dependency_check_log'),
            timestamps=['check_time'],
            dates=['data_date']
        ) }} as quarantine_reason
    from source

)

select * from classified
