{#- The source tables the staging layer cleans: the contract label used in alerts
    (`dataset.table`), the base model (every row, with its quarantine reason and, where a table
    holds rows outside the monitor's scope, a `scope_reason`), the source it reads, the staging
    model (clean, deduplicated) and the key the staging model deduplicates on. `kept_quarantined`:
    the staging model also keeps some quarantined rows (dead letters with unreadable fields, still
    alerted), marked by its own `quarantine_reason`; `read_from: schedule`: the base model reads
    from pipemon_schedule_start_date, not pipemon_source_start_date. -#}
{% macro pipemon_staged_sources() %}
    {%- set orchestration = var('orchestration_dataset') -%}
    {{ return([
        {'table': orchestration ~ '.scraper_execution_log', 'base': 'base_orchestration__scraper_executions', 'source': ['orchestration', 'scraper_execution_log'], 'staged': 'stg_orchestration__scraper_executions', 'key': 'execution_id'},
        {'table': orchestration ~ '.processor_execution_log', 'base': 'base_orchestration__processor_executions', 'source': ['orchestration', 'processor_execution_log'], 'staged': 'stg_orchestration__processor_executions', 'key': 'execution_id'},
        {'table': orchestration ~ '.dependency_check_log', 'base': 'base_orchestration__dependency_checks', 'source': ['orchestration', 'dependency_check_log'], 'staged': 'stg_orchestration__dependency_checks', 'key': 'check_id'},
        {'table': orchestration ~ '.pubsub_dead_letters', 'base': 'base_orchestration__dead_letters', 'source': ['orchestration', 'pubsub_dead_letters'], 'staged': 'stg_orchestration__dead_letters', 'key': 'message_id', 'kept_quarantined': true},
        {'table': orchestration ~ '.pipeline_event_log', 'base': 'base_orchestration__pipeline_events', 'source': ['orchestration', 'pipeline_event_log'], 'staged': 'stg_orchestration__pipeline_events', 'key': 'event_id'},
        {'table': orchestration ~ '.phase_completions', 'base': 'base_orchestration__phase_completions', 'source': ['orchestration', 'phase_completions'], 'staged': 'stg_orchestration__phase_completions', 'key': 'row_key'},
        {'table': orchestration ~ '.firestore_phase_snapshots', 'base': 'base_orchestration__firestore_phase_snapshots', 'source': ['orchestration', 'firestore_phase_snapshots'], 'staged': 'stg_orchestration__firestore_phase_documents', 'key': "concat(collection, '/', document_id)"},
        {'table': orchestration ~ '.service_health_checks', 'base': 'base_orchestration__service_health_checks', 'source': ['orchestration', 'service_health_checks'], 'staged': 'stg_orchestration__service_health_checks', 'key': 'row_key'},
        {'table': orchestration ~ '.halt_state', 'base': 'base_orchestration__halt_states', 'source': ['orchestration', 'halt_state'], 'staged': 'stg_orchestration__halt_states', 'key': 'row_key', 'scoped': true},
        {'table': orchestration ~ '.halt_overrides', 'base': 'base_orchestration__halt_overrides', 'source': ['orchestration', 'halt_overrides'], 'staged': 'stg_orchestration__halt_overrides', 'key': 'row_key', 'scoped': true, 'unwindowed': true},
        {'table': var('reference_dataset') ~ '.processor_run_history', 'base': 'base_reference__processor_runs', 'source': ['reference', 'processor_run_history'], 'staged': 'stg_reference__processor_runs', 'key': 'run_id'},
        {'table': var('raw_dataset') ~ '.nbac_schedule', 'base': 'base_raw__schedule_snapshots', 'source': ['raw', 'nbac_schedule'], 'staged': 'stg_raw__games', 'key': 'row_key', 'read_from': 'schedule'},
        {'table': var('raw_dataset') ~ '.bettingpros_player_points_props', 'base': 'base_raw__player_points_props', 'source': ['raw', 'bettingpros_player_points_props'], 'staged': 'stg_raw__player_points_props', 'key': 'row_key', 'scoped': true},
        {'table': var('analytics_dataset') ~ '.player_game_summary', 'base': 'base_analytics__player_game_summaries', 'source': ['analytics', 'player_game_summary'], 'staged': 'stg_analytics__player_game_summaries', 'key': 'row_key'},
        {'table': var('predictions_dataset') ~ '.ml_feature_store_v2', 'base': 'base_predictions__ml_features', 'source': ['predictions', 'ml_feature_store_v2'], 'staged': 'stg_predictions__ml_features', 'key': 'row_key'},
        {'table': var('predictions_dataset') ~ '.player_prop_predictions', 'base': 'base_predictions__player_prop_predictions', 'source': ['predictions', 'player_prop_predictions'], 'staged': 'stg_predictions__player_prop_predictions', 'key': 'prediction_id'},
    ]) }}
{% endmacro %}
