-- One feature vector per player and game: the latest write wins.
with

accepted as (

    select * from {{ ref('base_predictions__ml_features') }}
    where quarantine_reason is null

),

latest as (

    {{ pipemon_deduplicate('accepted', 'row_key', 'created_at desc') }}

),

renamed as (

    select
        row_key as feature_vector_id,
        game_id,
        player_lookup,
        data_source,
        feature_count,
        feature_quality_score,
        game_date,
        created_at
    from latest

)

select * from renamed
