"""Grafana-managed alert rules over the marts, and the contact point they notify.

Each rule asks the BigQuery data source for one number (`select count(*) as value ...` over the
last two days), reduces it to its last value and fires when it is above 0. Rules name their
contact point through `notification_settings` (simplified routing), so provisioning them does
not replace the organisation's notification policy tree.
"""

from __future__ import annotations

from dataclasses import dataclass

from grafana_foundation_sdk.builders import alerting as al
from grafana_foundation_sdk.builders import expr
from grafana_foundation_sdk.models import alerting as alm

from pipemon.grafana import queries as q
from pipemon.grafana.dashboards import DATASOURCE_UID, Settings, target

FOLDER = "pipemon"
GROUP = "pipemon-pipeline"
INTERVAL_SECONDS = 1800  # the marts are rebuilt twice a day; every 30 min is plenty
CONTACT_POINT = "pipemon-email"
EMAIL_VARIABLE = "PIPEMON_GRAFANA_ALERT_EMAIL"  # addresses, ';'-separated, set where Grafana runs
TWO_DAYS = 2 * 86400


@dataclass(frozen=True)
class RuleSpec:
    uid: str
    title: str
    sql: q.Sql
    severity: str
    summary: str
    dashboard_uid: str


RULES = (
    RuleSpec("pipemon-incomplete-day", "Pipeline day incomplete", q.RULE_INCOMPLETE_DAYS,
             "error", "A game date in the last two days is PARTIAL or INCOMPLETE.",
             "pipemon-status"),
    RuleSpec("pipemon-phase-late", "Phase late or not triggered", q.RULE_PHASES_LATE, "error",
             "A phase finished after its deadline or never triggered the next one.",
             "pipemon-status"),
    RuleSpec("pipemon-processor-failed", "Processor failed or never ran",
             q.RULE_PROCESSORS_FAILED, "error",
             "A registry processor failed after its retries or never ran for a game date.",
             "pipemon-incidents"),
    RuleSpec("pipemon-system-missing", "Prediction system missing", q.RULE_SYSTEMS_MISSING,
             "error", "A prediction system wrote too few predictions for a due game date.",
             "pipemon-status"),
    RuleSpec("pipemon-log-table-stopped", "Pipeline log table stopped", q.RULE_LOG_TABLE_STOPPED,
             "warn", "A pipeline log table received no rows while the pipeline kept running.",
             "pipemon-incidents"),
)  # fmt: skip


def rule(spec: RuleSpec, s: Settings) -> al.Rule:
    # alert queries see no dashboard variables: the dataset is written in
    sql = q.Sql(spec.sql.sql.replace("${dataset}", s.dataset), spec.sql.time_series)
    data = al.Query("A").datasource_uid(DATASOURCE_UID).model(target(sql, "A", s))
    data = data.relative_time_range(alm.RelativeTimeRange(from_val=TWO_DAYS, to=0))
    reduce = (
        al.Query("B")
        .datasource_uid("__expr__")
        .model(expr.TypeReduce().ref_id("B").expression("A").reducer("last"))
    )
    threshold = (
        al.Query("C")
        .datasource_uid("__expr__")
        .model(
            expr.TypeThreshold()
            .ref_id("C")
            .expression("B")
            .conditions(
                [
                    expr.ExprTypeThresholdConditions().evaluator(
                        expr.ExprTypeThresholdConditionsEvaluator().type("gt").params([0])
                    )
                ]
            )
        )
    )
    return (
        al.Rule(spec.title)
        .uid(spec.uid)
        .condition("C")
        .queries([data, reduce, threshold])
        .no_data_state("Alerting")  # no answer from the marts is itself a problem
        .exec_err_state("Error")
        .for_val("0s")
        .labels({"team": "pipemon", "severity": spec.severity})
        .annotations(
            {
                "summary": spec.summary,
                "description": "{{ $values.B }} row(s) in the marts; open the dashboard, then "
                "`pipemon status` for the words and `pipemon report` for the details.",
                "__dashboardUid__": spec.dashboard_uid,
            }
        )
        .notification_settings(al.NotificationSettings().receiver(CONTACT_POINT))
    )


def rule_group(s: Settings) -> al.RuleGroup:
    return (
        al.RuleGroup(GROUP)
        .folder_uid(FOLDER)
        .interval(INTERVAL_SECONDS)
        .rules([rule(spec, s) for spec in RULES])
    )


def contact_point() -> al.ContactPoint:
    return (
        al.ContactPoint()
        .uid(CONTACT_POINT)
        .name(CONTACT_POINT)
        .type("email")
        .settings({"addresses": "${" + EMAIL_VARIABLE + "}", "singleEmail": True})
        .disable_resolve_message(False)
    )
