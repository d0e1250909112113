"""Crash safety and concurrency of the build: SIGKILL mid-build, two builds at once."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sinn.config import PROJECT_ROOT
from sinn.db import connect
from tests.etl_helpers import reference_raw


def start_build(db: Path, env: dict[str, str]) -> subprocess.Popen:
    """Start ``python -m etl build --demo`` in the background."""
    return subprocess.Popen(
        [sys.executable, "-m", "etl", "build", "--demo", "--db", str(db)],
        cwd=PROJECT_ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(path: Path, timeout: float = 120) -> None:
    """Wait until ``path`` exists (the paused build writes it)."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} did not appear")
        time.sleep(0.1)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def published(tmp_path):
    """A published demo database and its checksum."""
    reference_raw()
    db = tmp_path / "sinn.duckdb"
    proc = start_build(db, {})
    assert proc.wait(timeout=300) == 0, proc.stderr.read()
    return db, digest(db)


@pytest.mark.parametrize("stage", ["import", "aggregate", "publish"])
def test_sigkill_mid_build_keeps_previous_database(published, tmp_path, stage):
    db, before = published
    marker = tmp_path / f"paused-{stage}"
    proc = start_build(
        db, {"SINN_TEST_PAUSE_STAGE": stage, "SINN_TEST_PAUSE_MARKER": str(marker)}
    )
    try:
        wait_for(marker)
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        proc.kill()
    assert digest(db) == before
    with connect(db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM municipalities").fetchone() == (419,)
    # the next build succeeds and cleans up what the killed one left behind
    again = start_build(db, {})
    assert again.wait(timeout=300) == 0, again.stderr.read()
    assert not list(tmp_path.glob(".sinn.duckdb.building-*"))
    with connect(db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM etl_runs").fetchone() == (2,)


def test_second_build_waits_or_fails_clearly(published, tmp_path):
    db, before = published
    marker = tmp_path / "paused"
    first = start_build(
        db,
        {
            "SINN_TEST_PAUSE_STAGE": "import",
            "SINN_TEST_PAUSE_SECONDS": "6",
            "SINN_TEST_PAUSE_MARKER": str(marker),
        },
    )
    try:
        wait_for(marker)
        impatient = start_build(db, {"SINN_LOCK_WAIT": "0.5"})
        assert impatient.wait(timeout=120) == 1
        assert "another build of" in impatient.stderr.read()
        assert digest(db) == before  # nothing touched while the first build runs
        patient = start_build(db, {"SINN_LOCK_WAIT": "120"})
        assert first.wait(timeout=120) == 0
        assert patient.wait(timeout=300) == 0
    finally:
        first.kill()
    with connect(db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM etl_runs").fetchone() == (3,)
        assert con.execute("SELECT count(*) FROM initiatives").fetchone() == (200,)
