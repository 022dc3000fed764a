-- Every prediction row, each with the contract rule it breaks (if any).
with

source as (

    select * from {{ pipemon_source('predictions', 'player_prop_predictions') }}
    where game_date >= {{ pipemon_source_start_date() }}

),

classified as (

    select
        source.*,
        coalesce(source.prediction_id, concat(coalesce(source.system_id, '?'), ':', coalesce(source.game_id, '?'), ':', coalesce(source.player_lookup, '?'))) as row_key,
        source.game_date as event_date,
        {{ pipemon_quarantine_reason(
            required=['prediction_id', 'system_id', 'game_id', 'game_date', 'player_lookup'],
            accepted=pipemon_accepted_values('predictions', 'player_prop_predictions'),
            timestamps=['created_at', 'updated_at'],
            dates=['game_date'],
            finite=['predicted_points', 'confidence_score', 'current_points_line'],
            extra=[('confidence_score < 0 or confidence_score > 100', 'score_out_of_range')]
        ) }} as quarantine_reason
    from source

)

select * from classified
