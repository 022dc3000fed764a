-- One feature vector per player and game: the latest write wins. Same-day game ids are the
-- schedule's 10 digits until 2026-01-18, then `YYYYMMDD_AWAY_HOME`.
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
        case when {{ pipemon_is_date_based_game_id('game_id') }} then game_id end as game_key,
        player_lookup,
        data_source,
        feature_version,
        feature_count,
        cast(feature_quality_score as {{ dbt.type_float() }}) as feature_quality_score,
        data_source in ('phase3', 'phase4_partial', 'unknown') as is_fallback_source,
        coalesce(early_season_flag, data_source = 'early_season') as is_early_season,
        game_date,
        created_at
    from latest

)

select * from renamed
