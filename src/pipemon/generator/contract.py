"""The source contract as declared in the dbt sources YAML (the single definition)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import yaml

from pipemon import project as pipemon_project

ARROW_TYPES = {
    "STRING": pa.string(),
    "INT64": pa.int64(),
    "FLOAT64": pa.float64(),
    "BOOL": pa.bool_(),
    "DATE": pa.date32(),
    "TIMESTAMP": pa.timestamp("us"),
    "JSON": pa.string(),
    # NUMERIC loads as a double that DuckDB casts into DECIMAL(38,9) on insert (values are rounded
    # to one or two decimals before, so the cast is exact at the stored scale)
    "NUMERIC": pa.float64(),
}


@dataclass(frozen=True)
class ContractTable:
    source: str
    schema: str
    name: str
    columns: tuple[tuple[str, str], ...]  # (name, contract type)
    required: tuple[str, ...]
    planned: bool = False  # a table the plan adds and the pipeline has not built yet
    partition_field: str | None = None
    expiration_days: int | None = None  # partitions older than this many days are deleted

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    def arrow_schema(self) -> pa.Schema:
        return pa.schema([(c, ARROW_TYPES[t.upper()]) for c, t in self.columns])


def load_contract(project: Path) -> dict[str, ContractTable]:
    """Every table declared with `meta.contract: true`, keyed by table name."""
    defaults = pipemon_project.declared_vars(project)
    tables: dict[str, ContractTable] = {}
    for path in sorted((project / "models" / "staging").glob("*/_*__sources.yml")):
        doc = yaml.safe_load(path.read_text())
        for source in doc.get("sources", []):
            schema_expr = str(source.get("schema", source["name"]))
            var_name = schema_expr.split("'")[1] if "var(" in schema_expr else None
            schema = str(defaults.get(var_name, schema_expr)) if var_name else schema_expr
            for table in source.get("tables", []):
                meta = (table.get("config") or {}).get("meta") or {}
                if not meta.get("contract"):
                    continue
                columns = tuple((c["name"], c["data_type"]) for c in table["columns"])
                required = tuple(
                    c["name"] for c in table["columns"] if (c.get("meta") or {}).get("required")
                )
                tables[table["name"]] = ContractTable(
                    source["name"],
                    schema,
                    table["name"],
                    columns,
                    required,
                    planned=bool(meta.get("planned")),
                    partition_field=(meta.get("partition_by") or {}).get("field"),
                    expiration_days=meta.get("partition_expiration_days"),
                )
    return tables
