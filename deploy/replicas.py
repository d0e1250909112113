"""Streamlit replicas of the dashboard on loopback ports: start, health, stop.

Used by the launcher (``python -m deploy``), the deployment test and
``bench/bench_load.py``; the browser tests' ``tests/live_server.py`` builds on it.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "APP",
    "ROOT",
    "Replica",
    "free_port",
    "replicas",
    "start_replica",
    "stop",
    "streamlit_command",
    "wait_healthy",
    "wait_ready",
]

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "dashboard" / "streamlit_app.py"


@dataclass
class Replica:
    """One ``streamlit run``: its base URL, process and log file."""

    url: str
    proc: subprocess.Popen
    log: Path
    env: dict[str, str] | None = None

    @property
    def address(self) -> str:
        """``host:port`` as an nginx upstream line wants it."""
        return self.url.removeprefix("http://")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    """Poll Streamlit's health endpoint until it answers "ok"."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"streamlit not healthy after {timeout} s")


def streamlit_command(port: int, script: Path = APP) -> list[str]:
    """``streamlit run script`` headless on 127.0.0.1:``port``."""
    return [
        *(sys.executable, "-m", "streamlit", "run", str(script)),
        *("--server.port", str(port), "--server.address", "127.0.0.1"),
        *("--server.headless", "true", "--server.fileWatcherType", "none"),
        *("--browser.gatherUsageStats", "false"),
    ]


def start_replica(
    db: Path,
    log: Path,
    port: int | None = None,
    env: dict[str, str] | None = None,
    script: Path = APP,
) -> Replica:
    """Start ``script`` (default: the app) on ``db``; not yet waited for.

    ``env`` adds variables; this checkout comes first on PYTHONPATH so that a
    script outside it imports this checkout's packages.
    """
    port = port or free_port()
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    env = {**(env or {}), "SINN_DB": str(db)}
    with log.open("ab") as out:
        proc = subprocess.Popen(
            streamlit_command(port, script),
            cwd=ROOT,
            env={**os.environ, **env, "PYTHONPATH": path},
            stdout=out,
            stderr=out,
        )
    return Replica(f"http://127.0.0.1:{port}", proc, log, env)


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    """Stop ``proc`` with ``sig``, then SIGKILL if it does not end in 15 s."""
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=15)


def wait_ready(replica: Replica) -> None:
    """Healthy, then warmed: the default map views run once (``dashboard.warmup``)."""
    from dashboard.warmup import warm

    wait_healthy(replica.url, replica.proc)
    warm(replica.url)


@contextmanager
def replicas(db: Path, n: int, logs: Path) -> Iterator[list[Replica]]:
    """``n`` healthy replicas sharing one cookie secret; all stopped on exit."""
    # One secret for all: signed cookies must verify on whichever replica answers.
    env = {"STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32)}
    with ExitStack() as stack:
        started = []
        for i in range(n):
            r = start_replica(db, logs / f"replica-{i}.log", env=env)
            stack.callback(stop, r.proc)
            started.append(r)
        for r in started:
            wait_ready(r)
        yield started
