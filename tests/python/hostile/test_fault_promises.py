"""Promises the runner keeps when the disk around the warehouse fails."""

from __future__ import annotations

import contextlib
import errno
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipemon import runner
from pipemon.alerts import lock


@pytest.mark.parametrize(
    ("code", "words"),
    [(errno.EROFS, "Read-only file system"), (errno.ENOSPC, "No space left on device")],
)
def test_a_read_only_or_full_warehouse_directory_exits_3_with_a_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, words: str
) -> None:
    monkeypatch.setenv("PIPEMON_DUCKDB_PATH", str(tmp_path / "warehouse.duckdb"))
    (tmp_path / "warehouse.duckdb").write_bytes(b"")

    def refuse(self: lock.RunLock) -> None:
        raise OSError(code, words, str(tmp_path / "warehouse.lock"))

    monkeypatch.setattr(lock.RunLock, "__enter__", refuse)
    alerts = tmp_path / "alerts.yml"
    alerts.write_text(f"channels:\n  file:\n    url: file://{tmp_path / 'alerts.log'}\n")
    report = runner.Runner(runner.RunOptions(config_path=alerts)).execute()
    assert report.exit_code == runner.EXIT_MONITOR
    assert any(words in f.detail and f.source == "monitor" for f in report.findings)
    assert words in (tmp_path / "alerts.log").read_text()


@contextlib.contextmanager
def _locked(warehouse: Path) -> Iterator[None]:
    """A DuckDB file held open for writing by another process for the duration."""
    import duckdb

    duckdb.connect(str(warehouse)).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ready', flush=True);"
            " time.sleep(60)",
            str(warehouse),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        yield
    finally:
        holder.kill()
        holder.wait()


def _config(tmp_path: Path) -> Path:
    alerts = tmp_path / "alerts.yml"
    alerts.write_text(f"channels:\n  file:\n    url: file://{tmp_path / 'alerts.log'}\n")
    return alerts


def test_a_locked_warehouse_exits_3_and_says_it_cannot_open_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("PIPEMON_DUCKDB_PATH", str(warehouse))
    with _locked(warehouse):
        options = runner.RunOptions(command="alert", config_path=_config(tmp_path))
        report = runner.Runner(options).execute()
    assert report.exit_code == runner.EXIT_MONITOR
    assert any(f.source == "monitor" and "lock" in f.detail.lower() for f in report.findings), [
        f.detail for f in report.findings
    ]


def test_a_missing_warehouse_exits_3_and_names_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIPEMON_DUCKDB_PATH", str(tmp_path / "gone.duckdb"))
    options = runner.RunOptions(command="alert", config_path=_config(tmp_path))
    report = runner.Runner(options).execute()
    assert report.exit_code == runner.EXIT_MONITOR
    assert any("gone.duckdb" in f.detail for f in report.findings if f.source == "monitor")


@pytest.mark.parametrize("argv", [["incidents"], ["show", "i1234567"], ["status"], ["report"]])
def test_every_reader_of_a_locked_warehouse_exits_3_and_names_the_lock(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
) -> None:
    from pipemon import cli

    warehouse = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("PIPEMON_DUCKDB_PATH", str(warehouse))
    with _locked(warehouse):
        out_file = ["--out", str(tmp_path / "report.html")] if argv == ["report"] else []
        code = cli.main([*argv, *out_file])
    err = capsys.readouterr().err
    assert code == 3
    assert "lock" in err.lower() and str(warehouse) in err
