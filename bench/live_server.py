"""A real `streamlit run` of the app on a free loopback port, and browser helpers.

Shared by the browser tests and the benchmarks (bench/ must not import tests/);
the server process comes from ``deploy.replicas``. Playwright is imported only
where a browser is used.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from dashboard.first_view import PENDING_KEY
from deploy.replicas import start_replica, stop, wait_ready

ROOT = Path(__file__).resolve().parents[1]
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
# The map's iframe: ours (dashboard.map_component) or st_folium's (naive page).
MAP_FRAME = (
    "iframe[title='dashboard.map_component.sinn_map'],"
    " iframe[title='streamlit_folium.st_folium']"
)
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
# Elements of a rerun still in flight: skeletons and stale (greyed) blocks.
BUSY = "[data-testid='stSkeleton'], [data-stale='true'], [data-testid='stSpinner']"
TIMEOUT_MS = 60_000
AREAS = "path.leaflet-interactive"  # Leaflet's SVG paths: districts or municipalities
# What stands in for the map controls while a first view shows the map alone.
FIRST_VIEW = f".st-key-{PENDING_KEY}"
# The run is over and a first view (if any) has become the whole page.
COMPLETE_JS = (
    f"() => !!document.querySelector({json.dumps(IDLE)})"
    f" && !document.querySelector({json.dumps(FIRST_VIEW)})"
)


def demo_database(folder: Path) -> Path:
    """Fetch the reference data and build the demo database into ``folder``."""
    from etl.build import build
    from etl.fetch import fetch

    fetch()
    path = folder / "sinn.duckdb"
    build(path, demo=True)
    return path


@contextmanager
def serve(db: Path, log: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """Base URL and process of `streamlit run` on ``db``; stopped on exit."""
    replica = start_replica(db, log)
    try:
        wait_ready(replica)
        yield replica.url, replica.proc
    finally:
        stop(replica.proc)


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
    """Wait until the script run is over, nothing is stale and a frame has painted.

    A first view of the Karte page (the map alone) is over once the rest of the
    page has been drawn around the map.
    """
    page.wait_for_function(
        f"() => ({COMPLETE_JS})() && !document.querySelector({json.dumps(BUSY)})"
    )
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
    # a function, not an expression: Playwright evaluates a function once, an
    # expression on every poll, which a CSP without 'unsafe-eval' refuses
    script = f"() => document.querySelectorAll({json.dumps(AREAS)}).length == {shapes}"
    while True:
        try:
            frame_el = page.wait_for_selector(MAP_FRAME)
            frame = frame_el.content_frame()
            if frame is None:  # detached between the lookup and this line
                raise Error("map iframe detached")
            frame.wait_for_function(script, timeout=5_000)
            return frame_el, frame
        except Error:
            if time.monotonic() > deadline:
                raise
