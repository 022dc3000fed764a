"""The runner's own tables: the one place their columns are defined.

Both warehouse implementations render their DDL from `TABLES`; the dbt sources in
`models/staging/monitoring/_monitoring__sources.yml` declare the same columns (a test keeps the
two in step). Types are the contract's BigQuery names; `ddl()` maps them per dialect.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]
    partition_by: str | None = None
    cluster_by: tuple[str, ...] = ()

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]


ALERT_LOG = Table(
    name="alert_log",
    description=(
        "One row per alert message and channel (its delivery), plus one row per repeat that was "
        "counted instead of sent. Written as pending before sending, updated after."
    ),
    columns=(
        Column("delivery_id", "STRING", "Primary key: alert_id and channel."),
        Column("alert_id", "STRING", "The message; shared by its deliveries."),
        Column("incident_id", "STRING", "The incident the message is about (incident_events)."),
        Column("run_id", "STRING", "The monitor run that created the row."),
        Column("signature", "STRING", "What is deduplicated: check and failing key."),
        Column(
            "kind",
            "STRING",
            "alert (first), reminder, suppressed (counted, not sent), resolved, digest (one "
            "message standing for several), digested (went out inside a digest), summary, "
            "acknowledged and closed (`pipemon ack` / `close`, told to the pagers).",
        ),
        Column(
            "alert_source", "STRING", "test, freshness, monitor (the monitoring failed), summary."
        ),
        Column("test_unique_id", "STRING", "dbt unique_id of the test (or pipemon.monitor.*)."),
        Column("test_name", "STRING", "Short name of the test or monitor check."),
        Column("severity", "STRING", "error or warn (info for resolved and summary)."),
        Column("target", "STRING", "The processor, scraper, phase, table, service or game."),
        Column("owner", "STRING", "Owner from the test's meta."),
        Column("tags", "STRING", "JSON array of the test's tags."),
        Column("subject", "STRING", "Subject line as sent."),
        Column("body", "STRING", "Message text as sent."),
        Column("payload", "STRING", "JSON of the alert: fields and sample rows."),
        Column("channel", "STRING", "Channel name from config/alerts.yml (null when suppressed)."),
        Column("status", "STRING", "pending, claimed, sent, suppressed, digested, no_channel."),
        Column("claimed_by", "STRING", "run_id holding the delivery while it sends."),
        Column("last_error", "STRING", "Redacted error of the last failed attempt."),
        Column("occurrence", "INT64", "Occurrence number of the signature in its episode."),
        Column("failing_rows", "INT64", "Failing rows behind the alert."),
        Column("attempts", "INT64", "Delivery attempts so far."),
        Column("game_date", "DATE", "US Eastern game date the alert is about."),
        Column("created_at", "TIMESTAMP", "When the row was written (pending)."),
        Column("claimed_at", "TIMESTAMP", "When a run claimed the delivery."),
        Column("sent_at", "TIMESTAMP", "When the channel accepted the message."),
        Column("updated_at", "TIMESTAMP", "Last change of the row."),
    ),
    partition_by="created_at",
    cluster_by=("signature", "status"),
)

MONITOR_RUNS = Table(
    name="monitor_runs",
    description="One row per runner invocation (pipemon run / pipemon alert).",
    columns=(
        Column("run_id", "STRING", "Primary key."),
        Column("command", "STRING", "run or alert."),
        Column("dbt_invocation_id", "STRING", "invocation_id of the dbt results judged."),
        Column("target_name", "STRING", "dbt target."),
        Column("selection", "STRING", "--select given (null = everything)."),
        Column("exclusion", "STRING", "--exclude given."),
        Column("vars", "STRING", "--vars given (JSON)."),
        Column("outcome", "STRING", "running, clear, warn, fail, monitor_error."),
        Column("error_message", "STRING", "Why the monitoring failed (redacted)."),
        Column("exit_code", "INT64", "0 clear, 1 warnings, 2 failures, 3 monitoring failed."),
        Column("tests_total", "INT64", "Tests judged."),
        Column("tests_passed", "INT64", "Tests that passed."),
        Column("tests_warned", "INT64", "Tests that warned."),
        Column("tests_failed", "INT64", "Tests that failed."),
        Column("nodes_errored", "INT64", "Nodes (models, tests, seeds) that errored."),
        Column("alerts_sent", "INT64", "Messages delivered by this run."),
        Column("alerts_suppressed", "INT64", "Repeats counted instead of sent."),
        Column("alerts_pending", "INT64", "Deliveries still pending after the run."),
        Column("dbt_seconds", "FLOAT64", "Time inside dbt."),
        Column("runner_seconds", "FLOAT64", "Time of the run outside dbt."),
        Column(
            "dbt_retry_reason",
            "STRING",
            "The transient warehouse error that made the run retry its build (redacted).",
        ),
        Column("dbt_retried_nodes", "INT64", "Nodes `dbt retry` reran (null: no retry)."),
        Column(
            "bytes_billed",
            "INT64",
            "Bytes the run's dbt queries billed (adapter_response.bytes_billed; null when the "
            "warehouse reports none, as DuckDB).",
        ),
        Column("started_at", "TIMESTAMP", "Start."),
        Column("completed_at", "TIMESTAMP", "End (null while running or if it crashed)."),
    ),
    partition_by="started_at",
)

TEST_RESULTS = Table(
    name="test_results",
    description="One row per dbt test per dbt invocation judged by the runner.",
    columns=(
        Column("test_result_id", "STRING", "Primary key: dbt invocation and test unique_id."),
        Column("run_id", "STRING", "Monitor run that recorded it."),
        Column("dbt_invocation_id", "STRING", "dbt invocation_id."),
        Column("test_unique_id", "STRING", "dbt unique_id of the test."),
        Column("test_name", "STRING", "Test name."),
        Column("status", "STRING", "pass, warn, fail, error, skipped."),
        Column("severity", "STRING", "Configured severity (error or warn)."),
        Column("owner", "STRING", "meta.owner."),
        Column("tags", "STRING", "JSON array of tags."),
        Column("relation_name", "STRING", "Stored failures relation."),
        Column("message", "STRING", "dbt's message."),
        Column("failures", "INT64", "Failing rows."),
        Column("execution_seconds", "FLOAT64", "Execution time."),
        Column("completed_at", "TIMESTAMP", "When dbt wrote the result."),
    ),
    partition_by="completed_at",
    cluster_by=("test_unique_id",),
)

INCIDENT_EVENTS = Table(
    name="incident_events",
    description=(
        "One row per transition of an incident (append-only): opened, joined, updated, "
        "member_resolved, resolved, acked, closed. The current state of an incident is the fold of its rows."
    ),
    columns=(
        Column("event_id", "STRING", "Primary key."),
        Column("incident_id", "STRING", "The incident (short id shown in alerts)."),
        Column("run_id", "STRING", "Monitor run that made the transition (null when by hand)."),
        Column(
            "event_type",
            "STRING",
            "opened, joined, updated, member_resolved, resolved, acked, closed.",
        ),
        Column("signature", "STRING", "The member the event is about (check, date, target)."),
        Column("cause_signature", "STRING", "The incident's cause."),
        Column("test_name", "STRING", "Check of the member (or of the cause)."),
        Column("severity", "STRING", "error or warn."),
        Column("target", "STRING", "Target of the member."),
        Column("reason", "STRING", "Why (ack and close reasons are given by hand)."),
        Column("actor", "STRING", "Who acked or closed it ($USER or PIPEMON_ACTOR)."),
        Column("payload", "STRING", "JSON of the member finding with its failing rows."),
        Column("game_date", "DATE", "US Eastern game date of the member."),
        Column("ack_until", "TIMESTAMP", "End of an acknowledgement."),
        Column("occurred_at", "TIMESTAMP", "When the transition happened."),
    ),
    partition_by="occurred_at",
    cluster_by=("incident_id",),
)

OUTPUT_PAUSES = Table(
    name="output_pauses",
    description=(
        "Planned quiet declared with `pipemon pause` (append-only): one row when an output is "
        "paused, one when a pause is ended early (`pipemon unpause`). A pause covers its output's "
        "ET dates from first_date to until_date (or to the day before it was ended)."
    ),
    columns=(
        Column("pause_event_id", "STRING", "Primary key."),
        Column("pause_id", "STRING", "The pause (short id shown by `pipemon pauses`)."),
        Column("event_type", "STRING", "paused or ended."),
        Column(
            "output_name",
            "STRING",
            "What is quiet: a processor, output table, prediction system or scraper of the "
            "registries.",
        ),
        Column("reason", "STRING", "Why (required)."),
        Column("actor", "STRING", "Who (--by, else PIPEMON_ACTOR or the login name)."),
        Column("first_date", "DATE", "First ET date covered (the day it was declared)."),
        Column("until_date", "DATE", "Last ET date covered; the pause expires after it."),
        Column("occurred_at", "TIMESTAMP", "When the row was written (UTC)."),
    ),
    partition_by="occurred_at",
    cluster_by=("output_name",),
)

TABLES: dict[str, Table] = {
    t.name: t for t in (ALERT_LOG, MONITOR_RUNS, TEST_RESULTS, INCIDENT_EVENTS, OUTPUT_PAUSES)
}

_TYPES = {
    "duckdb": {
        "STRING": "varchar",
        "INT64": "bigint",
        "FLOAT64": "double",
        "DATE": "date",
        "TIMESTAMP": "timestamp",
        "BOOL": "boolean",
    },
    "bigquery": {t: t for t in ("STRING", "INT64", "FLOAT64", "DATE", "TIMESTAMP", "BOOL")},
}


def duckdb_type(bigquery_type: str) -> str:
    return _TYPES["duckdb"][bigquery_type]


def ddl(table: Table, qualified_name: str, dialect: str) -> str:
    """`create table if not exists` for one table in one dialect."""
    types = _TYPES[dialect]
    columns = ",\n".join(f"    {c.name} {types[c.type]}" for c in table.columns)
    sql = f"create table if not exists {qualified_name} (\n{columns}\n)"
    if dialect == "bigquery":
        if table.partition_by:
            # daily partitions, written as the contract DDL writes them (create_contract_tables)
            sql += f"\npartition by timestamp_trunc({table.partition_by}, day)"
        if table.cluster_by:
            sql += f"\ncluster by {', '.join(table.cluster_by)}"
    return sql
