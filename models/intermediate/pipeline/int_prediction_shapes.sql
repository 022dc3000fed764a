-- One row per game date and prediction system that wrote active predictions for players with a
-- points line: the shape of what it predicted (mean and spread of predicted points, its edge over
-- the line against the other systems' edge that day, the shares of OVER / UNDER / PASS, the share
-- of players at its most common predicted value) and whether the registry lists the system on
-- that date. A model can go wrong without failing: it still writes a row per player.
with

calendar as (

    select * from {{ ref('int_phase_deadlines') }}
    where phase = 'phase5'
        and is_game_day

),

predictions as (

    select * from {{ ref('stg_predictions__player_prop_predictions') }}
    where is_active
        and has_prop_line
        and predicted_points is not null
        and current_points_line is not null

),

systems as (

    select * from {{ ref('prediction_systems') }}

),

ranked_rows as (

    -- a system wrote up to five line rows per player until 2026-02-09: the player's lowest line
    -- stands for the player
    select
        game_date,
        system_id,
        player_lookup,
        predicted_points,
        current_points_line,
        recommendation,
        row_number() over (
            partition by game_date, system_id, player_lookup
            order by current_points_line, recommendation
        ) as line_rank
    from predictions

),

player_rows as (

    select * from ranked_rows
    where line_rank = 1

),

value_counts as (

    select
        game_date,
        system_id,
        predicted_points,
        count(*) as players_at_value
    from player_rows
    group by 1, 2, 3

),

modal as (

    select
        game_date,
        system_id,
        max(players_at_value) as players_at_modal_value
    from value_counts
    group by 1, 2

),

totals as (

    -- exact sums in hundredths of a point (points and lines are multiples of 0.1 and 0.5): a sum
    -- of floats follows the order rows are read in, which a daily and a history build differ in
    select
        game_date,
        system_id,
        count(*) as players,
        sum(cast(round(predicted_points * 100) as {{ dbt.type_bigint() }})) as predicted_sum,
        sum(
            cast(round(predicted_points * 100) as {{ dbt.type_bigint() }})
            * cast(round(predicted_points * 100) as {{ dbt.type_bigint() }})
        ) as predicted_square_sum,
        sum(cast(round((predicted_points - current_points_line) * 100) as {{ dbt.type_bigint() }})) as edge_sum,
        count(case when recommendation = 'OVER' then 1 end) as over_players,
        count(case when recommendation = 'UNDER' then 1 end) as under_players,
        count(case when recommendation = 'PASS' then 1 end) as pass_players
    from player_rows
    group by 1, 2

),

compared as (

    select
        totals.game_date,
        totals.system_id,
        totals.players,
        round(totals.predicted_sum / (100.0 * totals.players), 4) as mean_predicted_points,
        round(
            sqrt(
                greatest(totals.players * totals.predicted_square_sum - totals.predicted_sum * totals.predicted_sum, 0)
                / nullif(10000.0 * totals.players * (totals.players - 1), 0)
            ),
            4
        ) as predicted_points_spread,
        round(totals.edge_sum / (100.0 * totals.players), 4) as mean_edge,
        round(totals.over_players * 1.0 / totals.players, 4) as over_share,
        round(totals.under_players * 1.0 / totals.players, 4) as under_share,
        round(totals.pass_players * 1.0 / totals.players, 4) as pass_share,
        round(modal.players_at_modal_value * 1.0 / totals.players, 4) as modal_value_share,
        -- the other systems of the day: the mean edge of their predictions, pooled
        round(
            (sum(totals.edge_sum) over (partition by totals.game_date) - totals.edge_sum)
            / nullif(100.0 * (sum(totals.players) over (partition by totals.game_date) - totals.players), 0),
            4
        ) as peers_mean_edge
    from totals
    inner join modal
        on totals.game_date = modal.game_date
        and totals.system_id = modal.system_id

),

registered as (

    select
        compared.game_date,
        compared.system_id,
        count(systems.system_id) > 0 as is_registered
    from compared
    left join systems
        on compared.system_id = systems.system_id
        and {{ pipemon_is_live('systems', 'compared.game_date') }}
    group by 1, 2

),

joined as (

    select
        concat(cast(compared.game_date as {{ dbt.type_string() }}), ':', compared.system_id) as system_shape_id,
        compared.system_id,
        compared.players,
        compared.mean_predicted_points,
        compared.predicted_points_spread,
        compared.mean_edge,
        compared.peers_mean_edge,
        compared.over_share,
        compared.under_share,
        compared.pass_share,
        compared.modal_value_share,
        registered.is_registered,
        coalesce(calendar.is_due, false) as is_due,
        coalesce(calendar.is_relaxed, false) as is_relaxed,
        compared.game_date
    from compared
    inner join registered
        on compared.game_date = registered.game_date
        and compared.system_id = registered.system_id
    left join calendar
        on compared.game_date = calendar.data_date

),

flagged as (

    select
        joined.*,
        case
            when joined.players < {{ var('prediction_shape_min_players') }} then null
            when abs(joined.mean_edge - joined.peers_mean_edge) > {{ var('prediction_edge_gap_max_points') }}
                then 'edge_far_from_other_systems'
            when greatest(joined.over_share, joined.under_share) > {{ var('prediction_one_side_share_max') }}
                then 'one_sided_recommendations'
            when joined.modal_value_share > {{ var('prediction_single_value_share_max') }}
                then 'one_predicted_value'
        end as shape_problem
    from joined

),

judged as (

    select
        flagged.*,
        flagged.is_due and not flagged.is_relaxed and flagged.shape_problem is not null as is_shape_collapsed,
        not flagged.is_registered as is_system_unregistered
    from flagged

)

select * from judged
