"""The project's structure rules (dbt-project-evaluator's, as adopted in STYLE.md), read from the
manifest of one in-process `dbt parse`.

Justified exceptions live in `structure_exceptions.yml` beside this file, one reason per entry.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml

from pipemon import dbt

REPO = Path(__file__).resolve().parents[2]
EXCEPTIONS_FILE = Path(__file__).with_name("structure_exceptions.yml")
PACKAGE = "pipemon"
LAYERS = ("staging", "intermediate", "marts")
RULES = (
    "sources_outside_staging",
    "staging_refs",
    "naming",
    "folders",
    "primary_key",
    "model_descriptions",
    "source_descriptions",
    "seed_docs",
    "source_fanout",
    "source_freshness",
    "contract_data_types",
    "exposed_marts_contract",
    "alert_test_meta",
    "macro_docs",
    "hard_coded_references",
)
NAME = r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*"
STAGING_NAME = re.compile(rf"^(?P<prefix>stg|base)_(?P<source>{NAME})__(?P<entities>{NAME})$")
INTERMEDIATE_NAME = re.compile(rf"^int_{NAME}_[a-z0-9]+$")
MART_NAME = re.compile(rf"^{NAME}$")
DISPATCH_IMPL = re.compile(r"^[a-z0-9]+__")


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def manifest(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Parse the project once into a private target path (never the shared `target/`).

    The target lives in pytest's cache when it is available, so dbt's partial parsing makes
    reruns take seconds; the DuckDB path is a throwaway file there too (parse does not connect).
    """
    cache = getattr(request.config, "cache", None)
    work = cache.mkdir("pipemon-structure") if cache else tmp_path_factory.mktemp("structure")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PIPEMON_PROJECT_DIR", str(REPO))
        mp.setenv("DBT_PROFILES_DIR", str(REPO / "profiles"))
        mp.setenv("PIPEMON_DUCKDB_PATH", str(Path(work) / "parse.duckdb"))
        outcome = dbt.invoke(
            ["parse"],
            extra=["--target-path", str(Path(work) / "target"), "--log-path", str(work)],
        )
    assert outcome.success, f"dbt parse failed: {outcome.exception}"
    return json.loads((Path(work) / "target" / "manifest.json").read_text())


@pytest.fixture(scope="module")
def exceptions() -> dict[str, dict[str, str]]:
    data = yaml.safe_load(EXCEPTIONS_FILE.read_text()) or {}
    unknown = sorted(set(data) - set(RULES))
    assert not unknown, f"{EXCEPTIONS_FILE.name}: unknown rules {unknown}; known: {RULES}"
    for rule, entries in data.items():
        for name, reason in (entries or {}).items():
            assert isinstance(reason, str) and reason.strip(), (
                f"{EXCEPTIONS_FILE.name}: {rule}.{name} needs a reason"
            )
    return {rule: dict(entries or {}) for rule, entries in data.items()}


# --- helpers ----------------------------------------------------------------------------------


def _ours(manifest: Any, resource_type: str) -> Iterator[dict[str, Any]]:
    for node in manifest["nodes"].values():
        if node["resource_type"] == resource_type and node["package_name"] == PACKAGE:
            yield node


def _models(manifest: Any) -> list[dict[str, Any]]:
    return sorted(_ours(manifest, "model"), key=lambda n: n["name"])


def _sources(manifest: Any) -> list[dict[str, Any]]:
    ours = (s for s in manifest["sources"].values() if s["package_name"] == PACKAGE)
    return sorted(ours, key=lambda s: (s["source_name"], s["name"]))


def _source_label(source: dict[str, Any]) -> str:
    return f"{source['source_name']}.{source['name']}"


def _path(node: dict[str, Any]) -> PurePosixPath:
    return PurePosixPath(node["original_file_path"])


def _layer(node: dict[str, Any]) -> str | None:
    parts = _path(node).parts
    return parts[1] if len(parts) > 2 and parts[0] == "models" and parts[1] in LAYERS else None


def _meta(node: dict[str, Any]) -> dict[str, Any]:
    meta = dict(node.get("meta") or {})
    meta.update((node.get("config") or {}).get("meta") or {})
    return meta


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _check(
    rule: str, offenders: dict[str, str], exceptions: dict[str, dict[str, str]], summary: str
) -> None:
    """Fail listing every offender not excused; fail on excuses that no longer excuse anything."""
    excused = exceptions.get(rule, {})
    stale = sorted(set(excused) - set(offenders))
    if stale:
        pytest.fail(f"{EXCEPTIONS_FILE.name}: `{rule}` entries that no longer apply: {stale}")
    remaining = {name: why for name, why in sorted(offenders.items()) if name not in excused}
    if remaining:
        pytest.fail(
            f"{summary} ({len(remaining)}):\n"
            + "\n".join(f"  - {name}: {why}" for name, why in remaining.items())
            + f"\nFix them, or list them under `{rule}:` in {EXCEPTIONS_FILE.name} with a reason.",
            pytrace=False,
        )


# --- lineage ----------------------------------------------------------------------------------


def test_only_staging_reads_sources(manifest: Any, exceptions: dict[str, dict[str, str]]) -> None:
    offenders = {
        model["name"]: f"{_layer(model) or 'no layer'} model reads source(s) "
        + ", ".join(".".join(s) for s in model["sources"])
        for model in _models(manifest)
        if model["sources"] and _layer(model) != "staging"
    }
    _check(
        "sources_outside_staging", offenders, exceptions, "Only staging models may read source()"
    )


def test_staging_never_refs_intermediate_or_marts(
    manifest: Any, exceptions: dict[str, dict[str, str]]
) -> None:
    nodes = manifest["nodes"]
    offenders = {}
    for model in _models(manifest):
        if _layer(model) != "staging":
            continue
        bad = [
            nodes[parent]["name"]
            for parent in model["depends_on"]["nodes"]
            if parent.startswith("model.") and _layer(nodes[parent]) in ("intermediate", "marts")
        ]
        if bad:
            offenders[model["name"]] = "refs " + ", ".join(sorted(bad))
    _check("staging_refs", offenders, exceptions, "Staging models ref intermediate or mart models")


def test_one_staging_model_per_source_table(
    manifest: Any, exceptions: dict[str, dict[str, str]]
) -> None:
    readers: dict[str, list[str]] = defaultdict(list)
    offenders = {}
    for model in _models(manifest):
        if len(model["sources"]) > 1:
            offenders[model["name"]] = "joins sources " + ", ".join(
                ".".join(s) for s in model["sources"]
            )
        for source_name, table in model["sources"]:
            readers[f"{source_name}.{table}"].append(model["name"])
    for source in _sources(manifest):
        label = _source_label(source)
        if len(readers[label]) != 1:
            offenders[label] = f"read by {len(readers[label])} models {sorted(readers[label])}"
    _check(
        "source_fanout",
        offenders,
        exceptions,
        "Each source table is read by exactly one staging model, which reads only it",
    )


# --- naming and folders -----------------------------------------------------------------------


def _naming_problem(model: dict[str, Any]) -> str | None:
    name, path = model["name"], _path(model)
    if name.startswith(("stg_", "base_")):
        match = STAGING_NAME.match(name)
        if not match:
            return "staging names are stg_<source>__<entities> or base_<source>__<entities>"
        source = match["source"]
        if path.parent.name != source:
            return f"<source> is {source!r} but the file is in {path.parent}/"
        wrong = sorted({s for s, _ in model["sources"] if s != source})
        if wrong:
            return f"<source> is {source!r} but the model reads source(s) {wrong}"
        return None
    if name.startswith("int_"):
        if not INTERMEDIATE_NAME.match(name):
            return "intermediate names are int_<entities>_<verb>"
        return None
    if _layer(model) == "marts":
        if not MART_NAME.match(name):
            return "mart names are fct_/dim_ or a plain snake_case name"
        return None
    return "no layer prefix (stg_/base_/int_) and not a mart"


def test_model_names_say_their_layer(manifest: Any, exceptions: dict[str, dict[str, str]]) -> None:
    offenders = {m["name"]: p for m in _models(manifest) if (p := _naming_problem(m)) is not None}
    _check("naming", offenders, exceptions, "Model names do not follow the layer conventions")


def test_models_live_in_the_folder_of_their_layer(
    manifest: Any, exceptions: dict[str, dict[str, str]]
) -> None:
    offenders = {}
    for model in _models(manifest):
        name, path = model["name"], _path(model)
        if name.startswith(("stg_", "base_")):
            expected = "staging"
        elif name.startswith("int_"):
            expected = "intermediate"
        else:
            expected = "marts"
        if _layer(model) != expected or len(path.parts) != 4:
            offenders[name] = f"{path} is not in models/{expected}/<subfolder>/"
    _check("folders", offenders, exceptions, "Models outside the folder of their layer")


# --- tests and documentation ------------------------------------------------------------------


def test_every_model_has_a_tested_primary_key(
    manifest: Any, exceptions: dict[str, dict[str, str]]
) -> None:
    tested: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    combos: set[str] = set()
    for test in _ours(manifest, "test"):
        meta = test.get("test_metadata") or {}
        model = test.get("attached_node") or ""
        if not model.startswith("model."):
            continue
        if meta.get("name") in ("unique", "not_null") and test.get("column_name"):
            tested[model][test["column_name"].strip('"`').lower()].add(meta["name"])
        elif meta.get("name") == "unique_combination_of_columns":
            combos.add(model)
    offenders = {}
    for model in _models(manifest):
        columns = tested[model["unique_id"]]
        if model["name"].startswith("base_"):
            # base_ views keep every row, duplicates included, and name what is wrong with it
            # (docs/decisions.md, "Quarantine instead of dropping"): a not_null row key suffices.
            if not any("not_null" in tests for tests in columns.values()):
                offenders[model["name"]] = "base_ model without a not_null-tested row key"
        elif model["unique_id"] not in combos and not any(
            {"unique", "not_null"} <= tests for tests in columns.values()
        ):
            seen = {col: sorted(tests) for col, tests in columns.items()} or "no key tests"
            offenders[model["name"]] = f"no column tested unique + not_null ({seen})"
    _check("primary_key", offenders, exceptions, "Models without a primary key test")


def test_models_and_their_columns_are_described(
    manifest: Any, exceptions: dict[str, dict[str, str]]
) -> None:
    offenders = {}
    for model in _models(manifest):
        if not _text(model["description"]):
            offenders[model["name"]] = "no description"
        for column, spec in model["columns"].items():
            if not _text(spec.get("description")):
                offenders[f"{model['name']}.{column}"] = "column without description"
    _check("model_descriptions", offenders, exceptions, "Undocumented models or model columns")


def test_sources_tables_and_columns_are_described(
    manifest: Any, exceptions: dict[str, dict[str, str]]
) -> None:
    offenders = {}
    for source in _sources(manifest):
        label = _source_label(source)
        if not _text(source["source_description"]):
            offenders[source["source_name"]] = "source without description"
        if not _text(source["description"]):
            offenders[label] = "source table without description"
        for column, spec in source["columns"].items():
            if not _text(spec.get("description")):
                offenders[f"{label}.{column}"] = "source column without description"
    _check("source_descriptions", offenders, exceptions, "Undocumented sources, tables or columns")


def test_seeds_are_documented(manifest: Any, exceptions: dict[str, dict[str, str]]) -> None:
    offenders = {}
    for seed in sorted(_ours(manifest, "seed"), key=lambda s: s["name"]):
        if not seed.get("patch_path"):
            offenders[seed["name"]] = f"{seed['original_file_path']} has no YAML entry"
        elif not _text(seed["description"]):
            offenders[seed["name"]] = f"no description in {seed['patch_path']}"
    _check("seed_docs", offenders, exceptions, "Seeds not documented in YAML")


def test_macros_are_documented_in_macros_yml(
    manifest: Any, exceptions: dict[str, dict[str, str]]
) -> None:
    """Every macro under macros/ except the adapter bodies (`default__x`, `duckdb__x`, ...),
    which the dispatching macro's entry covers."""
    offenders = {}
    macros = (
        m
        for m in manifest["macros"].values()
        if m["package_name"] == PACKAGE
        and m["original_file_path"].startswith("macros/")
        and not DISPATCH_IMPL.match(m["name"])
    )
    for macro in sorted(macros, key=lambda m: m["name"]):
        patch = (macro.get("patch_path") or "").split("://")[-1]
        if patch != "macros/_macros.yml":
            offenders[macro["name"]] = f"{macro['original_file_path']}: not in macros/_macros.yml"
        elif not _text(macro["description"]):
            offenders[macro["name"]] = "empty description in macros/_macros.yml"
    _check("macro_docs", offenders, exceptions, "Macros not documented in macros/_macros.yml")


# --- sources ----------------------------------------------------------------------------------


def _has_freshness(source: dict[str, Any]) -> bool:
    freshness = source.get("freshness") or (source.get("config") or {}).get("freshness") or {}
    limits = [freshness.get(k) or {} for k in ("warn_after", "error_after")]
    timed = source.get("loaded_at_field") or source.get("loaded_at_query")
    return bool(timed) and any(limit.get("count") and limit.get("period") for limit in limits)


def test_source_tables_have_freshness(manifest: Any, exceptions: dict[str, dict[str, str]]) -> None:
    offenders = {
        _source_label(s): "no loaded_at_field with warn_after/error_after"
        for s in _sources(manifest)
        if not _has_freshness(s)
    }
    _check("source_freshness", offenders, exceptions, "Source tables without freshness")


def test_contract_sources_declare_column_types(
    manifest: Any, exceptions: dict[str, dict[str, str]]
) -> None:
    offenders = {}
    contract = [s for s in _sources(manifest) if _meta(s).get("contract") is True]
    assert contract, "no source table has meta.contract: true; the rule would check nothing"
    for source in contract:
        label = _source_label(source)
        if not source["columns"]:
            offenders[label] = "contract table lists no columns"
        untyped = sorted(
            c for c, spec in source["columns"].items() if not _text(spec.get("data_type"))
        )
        if untyped:
            offenders[label] = f"columns without data_type: {untyped}"
    _check(
        "contract_data_types", offenders, exceptions, "Contract source columns without data_type"
    )


# --- marts ------------------------------------------------------------------------------------


def test_marts_read_by_dashboards_enforce_contracts(
    manifest: Any, exceptions: dict[str, dict[str, str]]
) -> None:
    exposures = [e for e in manifest["exposures"].values() if e["package_name"] == PACKAGE]
    if not exposures:
        pytest.skip("no exposures declared (models/marts/<area>/_<area>__exposures.yml)")
    nodes = manifest["nodes"]
    readers: dict[str, list[str]] = defaultdict(list)
    for exposure in exposures:
        for parent in exposure["depends_on"]["nodes"]:
            if parent in nodes and nodes[parent]["resource_type"] == "model":
                readers[parent].append(exposure["name"])
    offenders = {
        nodes[uid]["name"]: f"read by {sorted(names)} without contract.enforced: true"
        for uid, names in readers.items()
        if _layer(nodes[uid]) == "marts" and not nodes[uid]["config"]["contract"]["enforced"]
    }
    _check("exposed_marts_contract", offenders, exceptions, "Dashboard marts without a contract")


# --- alert tests ------------------------------------------------------------------------------


def test_alert_tests_carry_owner_description_runbook_and_severity(
    manifest: Any, exceptions: dict[str, dict[str, str]]
) -> None:
    alerts = [t for t in _ours(manifest, "test") if "alerts" in t["tags"]]
    assert alerts, "no data test is tagged `alerts`; the rule would check nothing"
    offenders = {}
    for test in sorted(alerts, key=lambda t: t["name"]):
        meta = _meta(test)
        problems = [
            f"meta.{key} missing"
            for key in ("owner", "description", "runbook")
            if not _text(meta.get(key))
        ]
        # explicit (unrendered) severity: dbt's default ERROR must be a decision, not an accident
        severity = str((test.get("unrendered_config") or {}).get("severity") or "").lower()
        if severity not in ("warn", "error"):
            problems.append(f"severity {severity or 'not set'!r} (set warn or error)")
        if problems:
            offenders[f"{test['name']} ({test['original_file_path']})"] = "; ".join(problems)
    _check("alert_test_meta", offenders, exceptions, "Alert tests missing what the runner sends")


# --- SQL --------------------------------------------------------------------------------------


def _dataset_names() -> list[str]:
    project = yaml.safe_load((REPO / "dbt_project.yml").read_text())
    names = {
        str(value)
        for key, value in (project.get("vars") or {}).items()
        if key.endswith("_dataset") and value
    }
    return sorted(names | {r"nba_\w+"})


def test_models_have_no_hard_coded_relations(
    manifest: Any, exceptions: dict[str, dict[str, str]]
) -> None:
    """`from nba_raw.x` (or `from {{ var('raw_dataset') }}.x`) bypasses source() and lineage.
    Quoted labels such as `'{{ var("orchestration_dataset") }}.scraper_execution_log'` are fine."""
    datasets = "|".join(_dataset_names())
    literal = re.compile(rf"\b(?:from|join)\s+[`\"]?(?:[\w-]+\.)?(?:{datasets})[`\"]?\.\w+", re.I)
    templated = re.compile(r"\b(?:from|join)\s+[`\"]?\{\{\s*var\(", re.I)
    offenders = {}
    for model in _models(manifest):
        sql = re.sub(r"\{#.*?#\}|--[^\n]*|/\*.*?\*/", " ", model["raw_code"], flags=re.S)
        sql = re.sub(r"'(?:[^'\\]|\\.)*'", "''", sql)
        hits = [m.group(0) for m in literal.finditer(sql)] + [
            m.group(0) + "...)" for m in templated.finditer(sql)
        ]
        if hits:
            offenders[model["name"]] = "; ".join(" ".join(h.split()) for h in hits)
    _check("hard_coded_references", offenders, exceptions, "Hard-coded relations in model SQL")


def test_every_var_the_sql_reads_is_declared_in_dbt_project() -> None:
    """One home for a setting: a var read by a model, macro or test is declared (with its default)
    in dbt_project.yml, so `--vars` overrides a known name and Python reads the same value."""
    used: set[str] = set()
    pattern = re.compile(r"""var\(\s*['"]([a-z_0-9]+)['"]""")
    for folder in ("models", "macros", "tests/generic", "tests/intermediate", "tests/sources"):
        for path in (REPO / folder).rglob("*"):
            if path.suffix in (".sql", ".yml"):
                used |= set(pattern.findall(path.read_text()))
    declared = set((yaml.safe_load((REPO / "dbt_project.yml").read_text()) or {})["vars"])
    assert used - declared == set(), f"vars read but not declared: {sorted(used - declared)}"


def test_descriptions_are_persisted_only_where_they_are_read(manifest: Any) -> None:
    """persist_docs costs a comment statement per column per build: the marts (what analysts,
    Looker Studio and the exposures read) carry it, staging and intermediate views do not."""
    persisted = {
        m["name"]: _layer(m)
        for m in _models(manifest)
        if (m["config"].get("persist_docs") or {}).get("columns")
    }
    assert persisted and set(persisted.values()) == {"marts"}, persisted
    exposed = {
        manifest["nodes"][uid]["name"]
        for exposure in manifest["exposures"].values()
        for uid in exposure["depends_on"]["nodes"]
        if uid.startswith("model.")
    }
    assert exposed and exposed <= set(persisted), sorted(exposed - set(persisted))


def test_python_reads_the_time_zone_from_the_var() -> None:
    """The pipeline's dates are dates in var `pipeline_timezone`: the runner, status, the report and
    the backtest take the zone from `project.pipeline_zone()`, never a zone of their own. Only the
    generator, which writes the real pipeline's rows in its own (ET) clock, names one."""
    zone_literal = re.compile(r"""ZoneInfo\(\s*['"](?!UTC['"])""")
    offenders = {
        str(path.relative_to(REPO)): "; ".join(zone_literal.findall(path.read_text()))
        for path in (REPO / "src" / PACKAGE).rglob("*.py")
        if "generator" not in path.parts and zone_literal.search(path.read_text())
    }
    assert offenders == {}, f"a time zone named in Python beside pipeline_timezone: {offenders}"


# Modules that may open a DuckDB connection of their own, and why. Any other module reads and
# writes a warehouse through `pipemon.warehouse` (the runner's Warehouse, the contract-table
# appenders, the file helpers).
OWN_CONNECTIONS = {
    "src/pipemon/generator/__init__.py": "plays the pipeline: bulk-loads the generated season "
    "into the contract tables as the pipeline's own writers would",
    "src/pipemon/pruning.py": "an in-memory DuckDB that evaluates transpiled date expressions; "
    "no warehouse",
}


def test_no_warehouse_connection_outside_the_warehouse_package() -> None:
    """One writer: instrumentation, probes, Firestore snapshots and runner records append
    through `pipemon.warehouse`; no other module opens a connection or a BigQuery client."""
    opening = re.compile(r"\bduckdb\.connect\(|\bbigquery\.Client\(")
    package = REPO / "src" / PACKAGE
    offenders = {}
    for path in package.rglob("*.py"):
        relative = str(path.relative_to(REPO))
        if path.is_relative_to(package / "warehouse") or relative in OWN_CONNECTIONS:
            continue
        hits = opening.findall(path.read_text())
        if hits:
            offenders[relative] = ", ".join(sorted(set(hits)))
    assert offenders == {}, f"connections opened outside pipemon.warehouse: {offenders}"
    stale = [p for p in OWN_CONNECTIONS if not opening.search((REPO / p).read_text())]
    assert stale == [], f"exceptions that no longer open a connection: {stale}"
