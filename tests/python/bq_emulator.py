"""Run the local BigQuery API emulator (crucible-emulator) for tests.

The emulator is a separate process (``crucible serve --dialect bigquery``) that speaks the
BigQuery REST API on loopback, backed by an in-memory DuckDB. This module starts it on a free
port, waits until it answers, and always stops it (the whole process group). It also builds a
real ``google.cloud.bigquery.Client`` and a dbt ``profiles.yml`` pointed at it.

It is pre-alpha and it is not BigQuery: docs/bigquery_emulator.md lists what works on it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    from google.cloud import bigquery

EMULATOR_PROJECT = "local-project"
START_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class Emulator:
    """A running emulator: where it listens and the project id it serves."""

    endpoint: str
    project: str
    port: int
    pid: int


def crucible_binary() -> Path | None:
    """The ``crucible`` script next to the running interpreter (the venv), else on PATH."""
    beside = Path(sys.executable).parent / "crucible"
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside
    found = shutil.which("crucible")
    return Path(found) if found else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(endpoint: str) -> bool:
    try:
        with urllib.request.urlopen(f"{endpoint}/_crucible/health", timeout=1) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux to SIGTERM it when the parent dies, so a test run
    killed without cleanup (SIGKILL, a CI timeout) leaves no emulator behind."""
    with contextlib.suppress(Exception):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate the emulator's process group, then kill it if it does not exit."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


@contextlib.contextmanager
def running_emulator(port: int | None = None) -> Iterator[Emulator]:
    """Start ``crucible serve --dialect bigquery`` on ``port`` (a free one by default).

    Yields an :class:`Emulator` once ``/_crucible/health`` answers; the process group is stopped
    on exit, whatever happens inside the block. Raises ``FileNotFoundError`` when the
    ``crucible`` script is not installed and ``RuntimeError`` when it does not come up.
    """
    binary = crucible_binary()
    if binary is None:
        raise FileNotFoundError("crucible (crucible-emulator[server]) is not installed")
    port = port or free_port()
    endpoint = f"http://127.0.0.1:{port}"
    command = [str(binary), "serve", "--dialect", "bigquery", "--host", "127.0.0.1"]
    command += ["--port", str(port)]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so killpg stops all of it
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
        try:
            deadline = time.monotonic() + START_TIMEOUT_SECONDS
            while not _answers(endpoint):
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    output = log.read().decode(errors="replace")[-2000:]
                    raise RuntimeError(f"crucible did not start on {endpoint}:\n{output}")
                time.sleep(0.1)
            yield Emulator(endpoint=endpoint, project=EMULATOR_PROJECT, port=port, pid=process.pid)
        finally:
            _stop(process)


def bigquery_client(endpoint: str, project: str = EMULATOR_PROJECT) -> bigquery.Client:
    """A real ``google.cloud.bigquery.Client`` that talks to the emulator, without credentials."""
    from google.api_core.client_options import ClientOptions
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import bigquery as bq

    return bq.Client(
        project=project,
        credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
        client_options=ClientOptions(api_endpoint=endpoint),
        location="US",
    )


def emulator_output(endpoint: str, dataset: str = "monitoring") -> dict[str, object]:
    """The dbt-bigquery target for the emulator (``api_endpoint`` is BigQueryCredentials')."""
    return {
        "type": "bigquery",
        "method": "oauth-secrets",
        "token": "dummy-token-for-the-emulator",  # the emulator accepts any bearer token
        "project": EMULATOR_PROJECT,
        "dataset": dataset,
        "api_endpoint": endpoint,
        "location": "US",
        "threads": 4,
        "job_retries": 0,
        "job_execution_timeout_seconds": 120,
    }


def write_emulator_profile(
    directory: str | os.PathLike[str], endpoint: str, dataset: str = "monitoring"
) -> Path:
    """Write ``profiles.yml`` with profile ``pipemon``, target ``bigquery_emulator``.

    Returns the file's path; point dbt at it with ``--profiles-dir <directory>``.
    """
    path = Path(directory) / "profiles.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    profile = {
        "pipemon": {
            "target": "bigquery_emulator",
            "outputs": {"bigquery_emulator": emulator_output(endpoint, dataset)},
        }
    }
    path.write_text(yaml.safe_dump(profile, sort_keys=False))
    return path
