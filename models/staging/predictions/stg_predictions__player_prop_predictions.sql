-- One row per prediction: the latest write wins.
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
        player_lookup,
        recommendation,
        predicted_points,
        confidence_score,
        current_points_line,
        coalesce(is_active, true) as is_active,
        game_date,
        created_at
    from latest

)

select * from renamed
