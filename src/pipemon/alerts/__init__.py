"""Alerts: from failing dbt tests to messages that are true, deduplicated, delivered, never lost.

- findings.py  dbt results (+ stored failing rows) -> findings, one per test and failing key
- policy.py    dedupe / suppression / burst aggregation / resolved, from alert history
- render.py    subject and text of every message
- config.py    config/alerts.yml: channels, routing, limits
- channels/    one small interface; one file per channel type
- redact.py    secrets never leave the process
- spool.py     the local alert log used when the warehouse cannot be written
- lock.py      one run at a time per warehouse
"""
