"""The alert checks as the project declares them: every `alert_when` test in the models' YAML.

One catalogue for the runner's tests, `pipemon status` and the report: status asks the marts the
tests' own conditions, so no check is missing from its answer and no threshold disagrees with
the build. Read from the YAML (a few milliseconds), not from a parsed manifest, so the status
command needs neither dbt nor a `target/` directory.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipemon import project

# The only Jinja the tests' arguments use: `{{ var("name") }}`, rendered from the resolved vars.
_VAR = re.compile(r"""\{\{\s*var\(\s*['"](\w+)['"]\s*\)\s*\}\}""")


class CatalogueError(ValueError):
    """A declaration the catalogue cannot read (a bug in the project's YAML)."""


@dataclass(frozen=True)
class AlertCheck:
    """One `alert_when` test: the SQL it runs and what it tells the on-call."""

    name: str
    model: str
    condition: str
    target: str
    game_date: str
    columns: tuple[str, ...]
    severity: str
    description: str
    runbook: str
    owner: str
    tags: tuple[str, ...] = field(default=())
    judged: bool = True
    quiet: str | None = None

    @property
    def is_daily(self) -> bool:
        """Judged by the daily build (the season sweep's checks run only in a sweep)."""
        return self.judged and "sweep" not in self.tags

    def failing_rows_sql(
        self, relation: str, dates_sql: str, quiet_relation: str | None = None
    ) -> str:
        """The test's own query for the dates in `dates_sql` (a SQL list of date literals):
        every column of the mart, plus the finding's date and target under fixed names. With
        `quiet_relation` (declared_quiet_days), a check with a `quiet` argument skips the
        dates its output is declared quiet, as the test does."""
        sql = (
            f"select {self.game_date} as alert_game_date, {self.target} as alert_target, m.* "
            f"from {relation} as m where ({self.condition}) and {self.game_date} in ({dates_sql})"
        )
        if self.quiet and quiet_relation:
            sql += (
                f" and not exists (select 1 from {quiet_relation} as declared_quiet "
                f"where declared_quiet.quiet_date = {self.game_date} "
                f"and ({self.quiet} = declared_quiet.output_name "
                f"or {self.quiet} like concat('%.', declared_quiet.output_name)))"
            )
        return sql


def _render(text: Any, values: Mapping[str, Any], where: str) -> str:
    out = _VAR.sub(
        lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), str(text)
    )
    if "{{" in out or "{%" in out:
        raise CatalogueError(f"{where}: only {{{{ var('...') }}}} is supported, got {text!r}")
    return out


def _declarations(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(path.read_text(), Loader=loader) or {}  # noqa: S506 - a safe loader
    for model in data.get("models") or []:
        for test in [*(model.get("data_tests") or []), *(model.get("tests") or [])]:
            if isinstance(test, dict) and "alert_when" in test:
                yield str(model["name"]), dict(test["alert_when"] or {})


def load(
    project_dir: Path | None = None, cli_vars: Mapping[str, Any] | None = None
) -> list[AlertCheck]:
    """Every alert check of the project, in declaration order (files sorted by path)."""
    root = project_dir or project.project_dir()
    values = project.resolved_vars(dict(cli_vars or {}))
    checks: list[AlertCheck] = []
    for path in sorted((root / "models").rglob("*.yml")):
        for model, spec in _declarations(path):
            args = dict(spec.get("arguments") or {})
            args.update({k: v for k, v in spec.items() if k not in ("arguments", "config", "name")})
            config = dict(spec.get("config") or {})
            meta = dict(config.get("meta") or {})
            where = f"{path.relative_to(root)}: {spec.get('name') or model}"
            if "condition" not in args or "target" not in args:
                raise CatalogueError(f"{where}: an alert_when test needs condition and target")
            checks.append(
                AlertCheck(
                    name=str(spec.get("name") or f"alert_when_{model}"),
                    model=model,
                    condition=_render(args["condition"], values, where),
                    target=_render(args["target"], values, where),
                    game_date=_render(args.get("game_date", "game_date"), values, where),
                    columns=tuple(str(c) for c in args.get("columns") or []),
                    severity=str(config.get("severity", "error")).lower(),
                    description=str(meta.get("description", "")),
                    runbook=str(meta.get("runbook", "")),
                    owner=str(meta.get("owner", "unowned")),
                    tags=tuple(str(t) for t in config.get("tags") or []),
                    judged=bool(args.get("judged", True)),
                    quiet=_render(args["quiet"], values, where) if args.get("quiet") else None,
                )
            )
    names = [c.name for c in checks]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise CatalogueError(f"alert checks declared twice: {', '.join(duplicates)}")
    return checks
