-- One row per incident: one cause, however many dates its outage lasts (the runner's
-- incident_events folded as `pipemon incidents` folds them: open until every date passes).
with

events as (

    select * from {{ ref('stg_monitoring__incident_events') }}

),

causes as (

    select
        incident_id,
        test_name,
        target,
        occurred_at as opened_at
    from events
    where event_type = 'opened'

),

members as (

    select
        incident_id,
        min(game_date) as first_game_date,
        max(game_date) as last_game_date,
        count(distinct game_date) as day_count,
        count(distinct signature) as member_count,
        min(case severity when 'error' then 0 when 'warn' then 1 else 2 end) as severity_rank
    from events
    where event_type in ('opened', 'joined')
    group by incident_id

),

outcomes as (

    select
        incident_id,
        max(case when event_type = 'resolved' then occurred_at end) as resolved_at,
        max(case when event_type = 'closed' then occurred_at end) as closed_at,
        max(case when event_type = 'acked' then ack_until end) as acked_until,
        count(case when event_type in ('joined', 'updated') then 1 end) as update_count,
        max(occurred_at) as last_event_at
    from events
    group by incident_id

),

final as (

    select
        causes.incident_id,
        causes.test_name,
        causes.target,
        case members.severity_rank when 0 then 'error' when 1 then 'warn' else 'info' end as severity,
        case
            when outcomes.resolved_at is not null then 'resolved'
            when outcomes.closed_at is not null then 'closed'
            when outcomes.acked_until > {{ pipemon_as_of() }} then 'acked'
            else 'open'
        end as incident_status,
        members.day_count,
        members.member_count,
        outcomes.update_count,
        outcomes.resolved_at is null and outcomes.closed_at is null as is_open,
        members.first_game_date,
        members.last_game_date,
        causes.opened_at,
        outcomes.resolved_at,
        outcomes.closed_at,
        outcomes.acked_until,
        outcomes.last_event_at
    from causes
    inner join members
        on causes.incident_id = members.incident_id
    inner join outcomes
        on causes.incident_id = outcomes.incident_id

)

select * from final
