{{ config(
    severity='error',
    tags=['alerts', 'quality'],
    meta={
        'owner': 'platform',
        'description': 'Source rows went missing between the source table and staging (rows in <> staged + superseded + quarantined).',
        'runbook': 'A staging model filters or joins rows away: compare int_source_rows_reconciled with the base and staging models.',
        'incident_kind': 'staging_lost_rows',
    },
) }}
-- Nothing is dropped silently: every source row is staged, superseded by a newer version of its
-- key, or quarantined with a reason.
select
    {{ pipemon_as_of_date() }} as game_date,
    source_table as target,
    rows_in,
    rows_staged,
    rows_superseded,
    rows_quarantined
from {{ ref('int_source_rows_reconciled') }}
where not is_reconciled
