{#- Adds `is_game_day` (from int_calendar_dates) and `is_known_incident` (the date is listed in
    seeds/known_incident_days.csv for this target or for `*`) to each row of a daily relation, the
    two columns pipemon_rolling_baseline needs to pick comparable days. -#}
{% macro pipemon_mark_comparable_days(relation, date_column, target_expression) -%}
    select
        {{ relation }}.*,
        coalesce(calendar.is_game_day, false) as is_game_day,
        (any_target.incident_date is not null or this_target.incident_date is not null) as is_known_incident
    from {{ relation }}
    left join {{ ref('int_calendar_dates') }} as calendar
        on {{ relation }}.{{ date_column }} = calendar.calendar_date
    left join (
        select distinct incident_date
        from {{ ref('known_incident_days') }}
        where target = '*'
    ) as any_target
        on {{ relation }}.{{ date_column }} = any_target.incident_date
    left join (
        select distinct
            incident_date,
            target
        from {{ ref('known_incident_days') }}
        where target <> '*'
    ) as this_target
        on {{ relation }}.{{ date_column }} = this_target.incident_date
        and {{ target_expression }} = this_target.target
{%- endmacro %}
