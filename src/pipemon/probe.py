"""HTTP health checks of the pipeline's services, written to `service_health_checks`.

The services come from `config/services.yml`. Each check is one GET with a timeout; the
checks run in a thread pool so one hanging service holds nobody else up. Results are
written in one batch through a sink (DuckDB here, BigQuery in production).

Secrets never leave this module: URLs are stored and printed without userinfo, query
string or fragment, and an auth header's value is read from the environment variable the
config names and only ever placed on the request.
"""

from __future__ import annotations

import concurrent.futures
import os
import re
import socket
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

import httpx
import yaml

from pipemon import envrefs, project
from pipemon.alerts.redact import scrub_credentials

TABLE = "service_health_checks"
COLUMNS = (
    "checked_at",
    "service_name",
    "url",
    "http_status",
    "latency_ms",
    "is_healthy",
    "error_message",
)
DEFAULT_TIMEOUT_SECONDS = 10.0
# Extra wall-clock time the pool waits past a check's timeout before giving up on it.
_GRACE_SECONDS = 0.5
_PLACEHOLDER = re.compile(r"<[^>]*>")


class ConfigError(ValueError):
    """The services file is missing or does not say what the probe needs."""


class WarehouseNotReady(RuntimeError):
    """The table the probe writes to does not exist."""


@dataclass(frozen=True)
class AuthHeader:
    """A request header whose value comes from an environment variable."""

    header: str
    env: str
    scheme: str | None = None

    def value(self) -> str:
        raw = os.environ.get(self.env, "")
        return f"{self.scheme} {raw}" if self.scheme else raw


@dataclass(frozen=True)
class Service:
    """One service to check, as the config file describes it (env vars already expanded)."""

    name: str
    url: str
    expect_status: int | None = None
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    auth: AuthHeader | None = None

    @property
    def safe_url(self) -> str:
        return redact_url(self.url)

    def secrets(self) -> list[str]:
        """Strings that must never be stored or printed: userinfo, query, auth value."""
        parts = urlsplit(self.url)
        found = [parts.query, parts.fragment, parts.username or "", parts.password or ""]
        if self.auth:
            found += [os.environ.get(self.auth.env, "")]
        return [s for s in found if len(s) >= 3]


@dataclass(frozen=True)
class CheckResult:
    """One row of `service_health_checks`."""

    checked_at: datetime
    service_name: str
    url: str
    http_status: int | None
    latency_ms: float | None
    is_healthy: bool
    error_message: str | None

    def as_row(self) -> dict[str, Any]:
        """JSON-ready row (timestamps as ISO strings in UTC)."""
        return {
            "checked_at": self.checked_at.isoformat(),
            "service_name": self.service_name,
            "url": self.url,
            "http_status": self.http_status,
            "latency_ms": self.latency_ms,
            "is_healthy": self.is_healthy,
            "error_message": self.error_message,
        }


# --- config -----------------------------------------------------------------------------


def default_config_path() -> Path:
    return project.project_dir() / "config" / "services.yml"


def _expand(value: str, where: str) -> str:
    expanded = envrefs.expand(value, os.environ)
    if expanded.missing:
        raise ConfigError(f"{where} uses ${{{expanded.missing[0]}}}, which is not set")
    return expanded.text


def _positive_number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError(f"{where} must be a positive number of seconds, got {value!r}")
    return float(value)


def _status(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 100 <= value <= 599:
        raise ConfigError(f"{where} must be an HTTP status code (100-599), got {value!r}")
    return value


def _auth(value: Any, where: str) -> AuthHeader:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where} must be a mapping with 'header' and 'env'")
    unknown = set(value) - {"header", "env", "scheme"}
    if unknown:
        raise ConfigError(
            f"{where} has {', '.join(sorted(map(str, unknown)))}: expected only 'header', "
            "'env' (the name of the environment variable holding the value) and 'scheme'; "
            "secret values never go in this file"
        )
    header, env, scheme = value.get("header"), value.get("env"), value.get("scheme")
    if not isinstance(header, str) or not header:
        raise ConfigError(f"{where} has no 'header' (e.g. Authorization)")
    if not isinstance(env, str) or not env:
        raise ConfigError(f"{where} has no 'env' (the environment variable holding the value)")
    if scheme is not None and not isinstance(scheme, str):
        raise ConfigError(f"{where}.scheme must be a string such as Bearer")
    if not os.environ.get(env):
        raise ConfigError(f"{where} reads its value from ${env}, which is not set")
    return AuthHeader(header=header, env=env, scheme=scheme or None)


def load_config(path: Path, *, label: str | None = None) -> list[Service]:
    """Read and validate the services file; raise ConfigError saying what was expected."""
    where = label or str(path)
    try:
        data = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"{where}: file not found") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where}: not valid YAML ({exc.__class__.__name__})") from None
    if not isinstance(data, Mapping) or not isinstance(data.get("services"), list):
        raise ConfigError(f"{where}: expected a mapping with a 'services' list")
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, Mapping):
        raise ConfigError(f"{where}: 'defaults' must be a mapping")
    if not data["services"]:
        raise ConfigError(f"{where}: 'services' is empty; list at least one service")

    services: list[Service] = []
    seen: set[str] = set()
    for index, entry in enumerate(data["services"], start=1):
        if not isinstance(entry, Mapping):
            raise ConfigError(f"{where}: service #{index} must be a mapping with 'name' and 'url'")
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"{where}: service #{index} has no name")
        ctx = f"{where}: service '{name}'"
        if name in seen:
            raise ConfigError(f"{ctx} is listed twice")
        seen.add(name)
        merged = {**defaults, **entry}
        raw_url = entry.get("url")
        if not isinstance(raw_url, str) or not raw_url.strip():
            raise ConfigError(f"{ctx} has no url")
        url = _expand(raw_url.strip(), f"{ctx} url")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"{ctx} url must be an http(s) URL, got {redact_url(url)!r}")
        if _PLACEHOLDER.search(url):
            names = envrefs.names(raw_url)
            fix = f"set {' or '.join(names)}" if names else "edit the url"
            raise ConfigError(f"{ctx} url still holds a placeholder ({redact_url(url)}): {fix}")
        timeout = merged.get("timeout_seconds", DEFAULT_TIMEOUT_SECONDS)
        expect = merged.get("expect_status")
        auth = merged.get("auth")
        services.append(
            Service(
                name=name,
                url=url,
                expect_status=None if expect is None else _status(expect, f"{ctx} expect_status"),
                timeout_seconds=_positive_number(timeout, f"{ctx} timeout_seconds"),
                auth=None if auth is None else _auth(auth, f"{ctx} auth"),
            )
        )
    return services


# --- checks -----------------------------------------------------------------------------


def redact_url(url: str) -> str:
    """The URL without userinfo, query string or fragment: safe to store and print."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "<unparseable url>"
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{port}" if port is not None else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _scrub(text: str, service: Service) -> str:
    text = text.replace(service.url, service.safe_url)
    for secret in service.secrets():
        text = text.replace(secret, "***")
    return scrub_credentials(text)  # and anything else credential-shaped (a proxy's URL, a token)


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _describe_error(exc: Exception, service: Service) -> str:
    chain = _chain(exc)
    if isinstance(exc, httpx.TimeoutException) or any(isinstance(e, TimeoutError) for e in chain):
        return f"timeout after {service.timeout_seconds:g}s"
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or (
        "connection refused" in str(exc).lower()
    ):
        return "connection refused"
    if any(isinstance(e, socket.gaierror) for e in chain):
        return f"DNS lookup failed for {urlsplit(service.url).hostname}"
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return "invalid url"
    detail = _scrub(str(exc), service).strip()
    kind = "connection error" if isinstance(exc, httpx.TransportError) else type(exc).__name__
    return f"{kind}: {detail}" if detail else kind


def _client() -> httpx.Client:
    return httpx.Client(follow_redirects=False)


def check_service(
    service: Service, checked_at: datetime, client: httpx.Client | None = None
) -> CheckResult:
    """GET the service once and judge the answer. Never raises for network trouble.

    `client` lets a batch share one connection pool and TLS context (thread-safe); the
    timeout is always the service's own.
    """
    headers = {service.auth.header: service.auth.value()} if service.auth else {}
    started = time.perf_counter()
    status: int | None = None
    error: str | None = None
    try:
        own = client is None
        http = client or _client()
        try:
            with http.stream(
                "GET", service.url, headers=headers, timeout=service.timeout_seconds
            ) as response:
                status = response.status_code
        finally:
            if own:
                http.close()
    except Exception as exc:  # any failure becomes a row, not a crash
        error = _describe_error(exc, service)
    latency_ms = round((time.perf_counter() - started) * 1000, 1)
    healthy = False
    if status is not None:
        healthy = status == service.expect_status if service.expect_status else 200 <= status < 300
        if not healthy:
            expected = service.expect_status or "2xx"
            error = f"unexpected status {status} (expected {expected})"
        elif latency_ms > service.timeout_seconds * 1000:
            healthy = False
            error = f"timeout after {service.timeout_seconds:g}s"
    return CheckResult(
        checked_at=checked_at,
        service_name=service.name,
        url=service.safe_url,
        http_status=status,
        latency_ms=latency_ms,
        is_healthy=healthy,
        error_message=error,
    )


def _gave_up(service: Service, checked_at: datetime) -> CheckResult:
    return CheckResult(
        checked_at=checked_at,
        service_name=service.name,
        url=service.safe_url,
        http_status=None,
        latency_ms=round(service.timeout_seconds * 1000, 1),
        is_healthy=False,
        error_message=f"timeout after {service.timeout_seconds:g}s",
    )


def run_checks(
    services: Sequence[Service], *, max_workers: int = 32, now: datetime | None = None
) -> list[CheckResult]:
    """Check every service concurrently; results in config order, all with one checked_at.

    No check holds the batch longer than its own timeout (plus a short grace) after it
    started: a check still running then is recorded as a timeout and left to end on its own.
    """
    if not services:
        return []
    checked_at = now or datetime.now(UTC)
    client = _client()
    starts: dict[int, float] = {}

    def task(index: int) -> CheckResult:
        starts[index] = time.monotonic()
        return check_service(services[index], checked_at, client)

    pool = concurrent.futures.ThreadPoolExecutor(
        max_workers=min(max_workers, len(services)), thread_name_prefix="pipemon-probe"
    )
    results: dict[int, CheckResult] = {}
    pending: dict[concurrent.futures.Future[CheckResult], int] = {}
    abandoned = False
    try:
        pending = {pool.submit(task, i): i for i in range(len(services))}
        while pending:
            done, _ = concurrent.futures.wait(
                pending, timeout=0.05, return_when=concurrent.futures.FIRST_COMPLETED
            )
            for future in done:
                results[pending.pop(future)] = future.result()
            now_ = time.monotonic()
            for future, index in list(pending.items()):
                start = starts.get(index)
                limit = services[index].timeout_seconds + _GRACE_SECONDS
                if start is not None and now_ - start > limit:
                    results[index] = _gave_up(services[index], checked_at)
                    del pending[future]
                    abandoned = True
        return [results[i] for i in range(len(services))]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        if not (abandoned or pending):
            client.close()  # else left open: an abandoned check may still be using it


# --- sinks ------------------------------------------------------------------------------


class HealthCheckSink(Protocol):
    """Where a batch of check results goes."""

    def write(self, rows: Sequence[CheckResult]) -> None: ...


def write_results(results: Sequence[CheckResult], sink: HealthCheckSink) -> int:
    """Write all results in one batch; return how many rows were written."""
    if results:
        sink.write(results)
    return len(results)


def missing_table_message(relation: str, where: str) -> str:
    return (
        f"table {relation} does not exist in {where}: run `make demo` or "
        "`dbt run-operation create_contract_tables` first"
    )


class DuckDBSink:
    """Appends rows to `<dataset>.service_health_checks` in the embedded DuckDB warehouse."""

    def __init__(self, path: Path | None = None, dataset: str | None = None) -> None:
        self.path = path or project.duckdb_path()
        self.dataset = dataset or project.Datasets.resolved().orchestration

    def write(self, rows: Sequence[CheckResult]) -> None:
        from pipemon.warehouse.appender import DuckDBAppender, TableMissing

        values = [
            (
                r.checked_at.astimezone(UTC).replace(tzinfo=None),
                r.service_name,
                r.url,
                r.http_status,
                r.latency_ms,
                r.is_healthy,
                r.error_message,
            )
            for r in rows
        ]
        try:
            DuckDBAppender(self.path).append(self.dataset, TABLE, COLUMNS, values)
        except TableMissing as missing:
            raise WarehouseNotReady(
                missing_table_message(missing.relation, missing.where)
            ) from None


class BigQuerySink:
    """Streams rows into `<project>.<dataset>.service_health_checks` (insert_rows_json).

    Not exercised by the local tests; point `client` at an emulator to test it.
    """

    def __init__(
        self, project_id: str | None = None, dataset: str | None = None, client: Any = None
    ) -> None:
        from pipemon.warehouse.appender import BigQueryAppender

        self.project_id = project_id or os.environ.get("PIPEMON_BQ_PROJECT")
        self.dataset = dataset or project.Datasets.resolved().orchestration
        self.appender = BigQueryAppender(client, project=self.project_id)

    def write(self, rows: Sequence[CheckResult]) -> None:
        from pipemon.warehouse.appender import TableMissing

        table = self.appender.table_id(self.dataset, TABLE)
        try:
            self.appender.stream(table, [r.as_row() for r in rows])
        except TableMissing as missing:
            raise WarehouseNotReady(
                missing_table_message(missing.relation, missing.where)
            ) from None
