"""A real `streamlit run` of the app on a free loopback port, and browser helpers.

Shared by the browser tests and ``bench/bench_load.py`` (bench must not import
tests/). Playwright is imported only where a browser is used, so the server part
works without it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "dashboard" / "streamlit_app.py"
CHROMIUM = os.environ.get("SINN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
LOCAL_SCHEMES = {"data", "blob", "about", "file"}
MAP_FRAME = "iframe[title='streamlit_folium.st_folium']"
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
# Elements of a rerun still in flight: skeletons and stale (greyed) blocks.
BUSY = "[data-testid='stSkeleton'], [data-stale='true'], [data-testid='stSpinner']"
TIMEOUT_MS = 60_000


def demo_database(folder: Path) -> Path:
    """Fetch the reference data and build the demo database into ``folder``."""
    from etl.build import build
    from etl.fetch import fetch

    fetch()
    path = folder / "sinn.duckdb"
    build(path, demo=True)
    return path


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


def streamlit_command(script: Path, port: int) -> list[str]:
    """``streamlit run script`` headless on 127.0.0.1:``port``, no file watcher."""
    options = {
        "server.port": port,
        "server.address": "127.0.0.1",
        "server.headless": "true",
        "server.fileWatcherType": "none",
        "server.enableStaticServing": "true",
        "browser.gatherUsageStats": "false",
    }
    flags = [part for k, v in options.items() for part in (f"--{k}", str(v))]
    return [sys.executable, "-m", "streamlit", "run", str(script), *flags]


@contextmanager
def serve(db: Path, log: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """Base URL and process of `streamlit run` on ``db``; stopped on exit."""
    port = free_port()
    env = {**os.environ, "SINN_DB": str(db)}
    cmd = streamlit_command(APP, port)
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=out)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url, proc)
            yield url, proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)


class Recorder:
    """Every request URL, uncaught script error and dialog of one page.

    Dialogs (``alert``, ``confirm``, ...) are recorded and dismissed: one that
    fires means injected script ran.
    """

    def __init__(self, page) -> None:
        self.urls: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("request", lambda r: self.urls.append(r.url))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("dialog", self._dialog)

    def _dialog(self, dialog) -> None:
        """Record and dismiss a dialog so the page does not hang on it."""
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def external(self) -> list[str]:
        """Requests that left this machine."""
        return [
            u
            for u in self.urls
            if urlsplit(u).scheme not in LOCAL_SCHEMES
            and urlsplit(u).hostname not in LOCAL_HOSTS
        ]


def settle(page) -> None:
    """Wait until the script run is over, nothing is stale and a frame has painted."""
    page.wait_for_selector(IDLE)
    page.wait_for_function(f"() => !document.querySelector({json.dumps(BUSY)})")
    # Charts, data grids and components paint after the run: two animation frames.
    page.evaluate(
        "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
    )


def wait_for_map(page, shapes: int):
    """The st_folium iframe once ``shapes`` Leaflet paths are drawn in it.

    A rerun replaces the iframe, so a frame that detaches is looked up again.
    """
    from playwright.sync_api import Error

    deadline = time.monotonic() + TIMEOUT_MS / 1000
    script = f"document.querySelectorAll('path.leaflet-interactive').length == {shapes}"
    while True:
        try:
            frame_el = page.wait_for_selector(MAP_FRAME)
            frame = frame_el.content_frame()
            frame.wait_for_function(script, timeout=5_000)
            return frame_el, frame
        except Error:
            if time.monotonic() > deadline:
                raise
