-- One row per prediction row (a system may write several line rows per player, and reruns before
-- the MERGE of 2025-12-29 appended duplicates: int_player_predictions_counted reduces them to one
-- row per player and system). Confidence is put on one 0-100 scale: it was stored 0-1 from
-- 2025-12-10 to 2026-01-29, and a 0-100 confidence of 1 or less does not occur.
with

accepted as (

    select * from {{ ref('base_predictions__player_prop_predictions') }}
    where quarantine_reason is null

),

latest as (

    {{ pipemon_deduplicate('accepted', 'prediction_id', 'created_at desc') }}

),

renamed as (

    select
        prediction_id,
        system_id,
        game_id,
        case when {{ pipemon_is_date_based_game_id('game_id') }} then game_id end as game_key,
        player_lookup,
        recommendation,
        line_source,
        cast(predicted_points as {{ dbt.type_float() }}) as predicted_points,
        cast(
            case when confidence_score <= 1 then confidence_score * 100 else confidence_score end
            as {{ dbt.type_float() }}
        ) as confidence_score,
        cast(current_points_line as {{ dbt.type_float() }}) as current_points_line,
        confidence_score <= 1 as is_confidence_rescaled,
        coalesce(has_prop_line, recommendation <> 'NO_LINE') as has_prop_line,
        coalesce(is_active, true) as is_active,
        game_date,
        created_at
    from latest

)

select * from renamed
