"""The ``python -m etl`` command line end to end, and the fetch step."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from etl import fetch as fetch_mod
from sinn.config import PROJECT_ROOT, mirror_dir
from sinn.db import connect
from tests.etl_helpers import reference_raw


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m etl`` in the project root."""
    return subprocess.run(
        [sys.executable, "-m", "etl", *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_fetch_copies_and_skips_verified_files(tmp_path):
    raw = tmp_path / "raw"
    first = fetch_mod.fetch(raw=raw)
    assert all("copied from" in line for line in first)
    assert len(first) == 5
    second = fetch_mod.fetch(raw=raw)
    assert all("present, checksum ok" in line for line in second)
    assert fetch_mod.sha256(raw / "zensus2022_gemeinden.parquet") == (
        "427054f70c0dd445a2651e2ddfb7a8fa119ab6a79a8913adb8588ded0002b857"
    )


def test_fetch_without_mirror_or_network_fails_cleanly(tmp_path, monkeypatch):
    # A closed loopback port stands in for "offline": the real download code runs.
    unreachable = tuple(
        fetch_mod.Source(
            s.filename, f"http://127.0.0.1:9/{s.filename}", s.sha256, s.pinned
        )
        for s in fetch_mod.SOURCES
    )
    monkeypatch.setattr(fetch_mod, "SOURCES", unreachable)
    raw = tmp_path / "raw"
    with pytest.raises(fetch_mod.FetchError) as err:
        fetch_mod.fetch(raw=raw, mirror=tmp_path / "no-mirror", timeout=2)
    assert "vg5000_01-01.gk3.shape.ebenen.zip" in str(err.value)
    assert "http://127.0.0.1:9/vg5000_01-01.gk3.shape.ebenen.zip" in str(err.value)
    assert list(raw.iterdir()) == []  # no half-written file


def test_fetch_rejects_corrupt_mirror(tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    for path in mirror_dir().iterdir():
        (mirror / path.name).write_bytes(path.read_bytes())
    (mirror / "AuszugGV4QAktuell.csv").write_text("kaputt")
    os.chmod(mirror, 0o755)
    with pytest.raises(fetch_mod.FetchError, match="does not match SHA256SUMS"):
        fetch_mod.fetch(raw=tmp_path / "raw", mirror=mirror)
    assert not (tmp_path / "raw" / "AuszugGV4QAktuell.csv").exists()


def test_cli_fetch_offline_exit_code(tmp_path):
    result = run_cli(
        "fetch",
        "--raw",
        str(tmp_path / "raw"),
        "--mirror",
        str(tmp_path / "x"),
        env={"HTTPS_PROXY": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"},
    )
    assert result.returncode == 2
    assert "could not be downloaded from https://daten.gdz.bkg.bund.de" in result.stderr


def test_cli_build_demo_and_summary(tmp_path):
    reference_raw()
    db = tmp_path / "cli.duckdb"
    result = run_cli("build", "--demo", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert "13 districts, 419 municipalities" in result.stdout
    assert (
        "accepted 200 initiatives, 70 events, 5748 operations; rejected 0"
        in result.stdout
    )
    with connect(db, read_only=True) as con:
        assert con.execute(
            "SELECT count(*) FROM initiatives WHERE is_demo"
        ).fetchone() == (200,)
        assert con.execute("SELECT count(*) FROM etl_runs").fetchone() == (1,)
    # a second run keeps the history and a failing run leaves the file untouched
    assert run_cli("build", "--demo", "--db", str(db)).returncode == 0
    before = db.read_bytes()
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook")
    failed = run_cli("build", "--initiatives", str(bad), "--db", str(db))
    assert failed.returncode == 1
    assert "previous database left untouched" in failed.stderr
    assert "not an XLSX file" in failed.stderr
    assert db.read_bytes() == before
    with connect(db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM etl_runs").fetchone() == (2,)


def test_cli_missing_input(tmp_path):
    result = run_cli(
        "build",
        "--initiatives",
        str(tmp_path / "nope.csv"),
        "--db",
        str(tmp_path / "x.duckdb"),
    )
    assert result.returncode == 2
    assert "input file not found" in result.stderr
    assert not Path(tmp_path / "x.duckdb").exists()


def test_cli_directory_as_input(tmp_path):
    (tmp_path / "export.csv").mkdir()
    result = run_cli(
        "build",
        "--initiatives",
        str(tmp_path / "export.csv"),
        "--db",
        str(tmp_path / "x.duckdb"),
    )
    assert result.returncode == 2
    assert f"{tmp_path / 'export.csv'}: is a directory, not a file" in result.stderr
    assert not Path(tmp_path / "x.duckdb").exists()
