-- Every feature-store row, each with the contract rule it breaks (if any).
with

source as (

    select * from {{ pipemon_source('predictions', 'ml_feature_store_v2') }}
    where game_date >= {{ pipemon_source_start_date() }}

),

classified as (

    select
        source.*,
        concat(coalesce(source.game_id, '?'), ':', coalesce(source.player_lookup, '?')) as row_key,
        source.game_date as event_date,
        {{ pipemon_quarantine_reason(
            required=['game_id', 'game_date', 'player_lookup'],
            accepted=pipemon_accepted_values('predictions', 'ml_feature_store_v2'),
            timestamps=['created_at'],
            dates=['game_date'],
            finite=['feature_quality_score'],
            extra=[('feature_quality_score < 0 or feature_quality_score > 100', 'score_out_of_range')]
        ) }} as quarantine_reason
    from source

)

select * from classified
