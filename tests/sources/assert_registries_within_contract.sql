{{ config(
    severity='error',
    tags=['alerts', 'schema'],
    meta={
        'owner': 'platform',
        'description': 'A registry seed names a phase the source contract does not accept: its rows would all be quarantined as unknown_phase.',
        'runbook': 'Add the phase to meta.accepted_values of the column in the source YAML (models/staging/<source>/_<source>__sources.yml), or fix the seed.',
        'incident_kind': 'schema_drift',
    },
) }}
-- The enumerations of the source contract (meta.accepted_values in the source YAML) must accept
-- what the registries name: every processor registry phase is a phase of the execution log, and
-- every phase whose completion Firestore records is a phase of the phase-completion copy.
{%- set execution_phases = pipemon_accepted_values('orchestration', 'processor_execution_log').get('phase', []) %}
{%- set completion_phases = pipemon_accepted_values('orchestration', 'phase_completions').get('phase', []) %}
with

registry as (

    select * from {{ ref('processor_registry') }}

),

deadlines as (

    select * from {{ ref('phase_deadlines') }}

),

unaccepted as (

    select
        'nba_orchestration.processor_execution_log' as target,
        registry.phase
    from registry
    where registry.phase not in ({{ "'" ~ (execution_phases | join("', '")) ~ "'" if execution_phases else "''" }})
    union all
    select
        'nba_orchestration.phase_completions' as target,
        deadlines.phase
    from deadlines
    where
        deadlines.completion_source = 'firestore'
        and deadlines.phase not in ({{ "'" ~ (completion_phases | join("', '")) ~ "'" if completion_phases else "''" }})

),

found as (

    select distinct
        {{ pipemon_as_of_date() }} as game_date,
        target,
        phase
    from unaccepted

)

select * from found
