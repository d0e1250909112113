"""Real browser: `streamlit run` on a free localhost port, driven by headless Chromium.

Every page, the embed view and the static map must render their shapes visibly,
show no Streamlit error, and (default basemap) request nothing from any host but
localhost. Screenshots go to tests/artifacts/ for a human look.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from etl.export_map import export_map

pytestmark = pytest.mark.browser
playwright = pytest.importorskip("playwright.sync_api")

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "dashboard" / "streamlit_app.py"
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = os.environ.get("SINN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
]  # fmt: skip
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
LOCAL_SCHEMES = {"data", "blob", "about", "file"}
MAP_FRAME = "iframe[title='streamlit_folium.st_folium']"
ERRORS = "[data-testid='stException'], [data-testid='stAlertContentError']"
TIMEOUT_MS = 60_000


def _free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
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


@pytest.fixture(scope="module")
def server(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a `streamlit run` of the app on the demo database."""
    port = _free_port()
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    env = {**os.environ, "SINN_DB": str(demo_db)}
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.headless", "true", "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=out)
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(url, proc)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium via Playwright."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI must install Chromium ({CHROMIUM}); see .ci/run")
        pytest.skip(f"no Chromium at {CHROMIUM} (set SINN_CHROMIUM)")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


class Recorder:
    """Every request URL and every uncaught script error of one page."""

    def __init__(self, page) -> None:
        self.urls: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda r: self.urls.append(r.url))
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def external(self) -> list[str]:
        """Requests that left this machine."""
        return [
            u
            for u in self.urls
            if urlsplit(u).scheme not in LOCAL_SCHEMES
            and urlsplit(u).hostname not in LOCAL_HOSTS
        ]


@pytest.fixture
def page(browser):
    """A fresh page (own context) with a request/error recorder attached."""
    context = browser.new_context(viewport={"width": 1300, "height": 1800})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.recorder = Recorder(page)
    yield page
    context.close()


def _settle(page) -> None:
    """Wait until the Streamlit script run is over and the elements have drawn."""
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")
    # Charts, data grids and components paint after the run has finished.
    page.wait_for_timeout(1_500)


def _map(page, shapes: int):
    """The st_folium iframe once ``shapes`` Leaflet paths are drawn in it.

    A rerun replaces the iframe, so a frame that detaches is looked up again.
    """
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    script = f"document.querySelectorAll('path.leaflet-interactive').length == {shapes}"
    while True:
        try:
            frame_el = page.wait_for_selector(MAP_FRAME)
            frame = frame_el.content_frame()
            frame.wait_for_function(script, timeout=5_000)
            return frame_el, frame
        except playwright.Error:
            if time.monotonic() > deadline:
                raise


def _assert_clean(page, name: str) -> None:
    """No Streamlit error, no script error, nothing fetched from elsewhere."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    assert page.locator(ERRORS).count() == 0, page.locator(ERRORS).all_inner_texts()
    assert page.recorder.errors == []
    assert page.recorder.external() == []


def _assert_visible_map(frame_el, frame, shapes: int) -> None:
    """The map iframe has a height and the choropleth paths are really there."""
    box = frame_el.bounding_box()
    assert box is not None and box["height"] > 300 and box["width"] > 300
    assert frame.locator("path.leaflet-interactive").count() == shapes
    assert frame.locator(".leaflet-container").bounding_box()["height"] > 300
    # The cluster plugin ran (it throws without maxZoom and the map stays blank).
    assert frame.locator(".marker-cluster").count() > 0
    assert (
        "GeoBasis-DE / BKG 2021"
        in frame.locator(".leaflet-control-attribution").inner_text()
    )


def _pages() -> list[str]:
    """URL paths of the app's pages (Planung only once it exists)."""
    names = ["regionen", "daten", "methodik"]
    if (ROOT / "dashboard" / "app_pages" / "planung.py").exists():
        names.append("planung")
    return names


def _open_map(page, url: str, shapes: int = 13):
    """Load ``url`` and return the map frame once it is drawn and visible."""
    page.goto(url)
    frame_el, frame = _map(page, shapes)
    _settle(page)
    _assert_visible_map(frame_el, frame, shapes)
    return frame


def test_karte_map_visible_and_local_only(server: str, page) -> None:
    """Karte: 13 district shapes in a visible map, markers, no external request."""
    _open_map(page, f"{server}/")
    assert page.get_by_text("Kurz gesagt").count() == 1
    _assert_clean(page, "karte_district")


def test_karte_click_selects_district(server: str, page) -> None:
    """A click on a district sets the district filter (URL) and narrows the table."""
    frame = _open_map(page, f"{server}/")
    # Paths are drawn in key order: index 5 is 14612 Dresden.
    frame.locator("path.leaflet-interactive").nth(5).dispatch_event("click")
    page.wait_for_url("**district=14612**")
    _settle(page)
    assert page.get_by_text("Ausgewählt: Dresden").count() == 1
    _assert_clean(page, "karte_selected")


def test_karte_municipality_level(server: str, page) -> None:
    """Municipality level: all 419 shapes, still nothing external."""
    _open_map(page, f"{server}/")
    page.locator("[data-testid='stSelectbox']").filter(has_text="Ebene").click()
    page.get_by_role("option", name="Gemeinden").click()
    frame_el, frame = _map(page, 419)
    _settle(page)
    _assert_visible_map(frame_el, frame, 419)
    _assert_clean(page, "karte_municipality")


@pytest.mark.parametrize("name", _pages())
def test_other_pages_render(server: str, page, name: str) -> None:
    """Regionen, Daten, Methodik (Planung): a title, no error, nothing external."""
    page.goto(f"{server}/{name}")
    _settle(page)
    page.wait_for_selector("h1")
    _assert_clean(page, name)


def test_embed_view(server: str, page) -> None:
    """``?embed=true&view=embed``: only the map, visible, no sidebar."""
    _open_map(page, f"{server}/?embed=true&view=embed")
    assert page.locator("[data-testid='stSidebar']").count() == 0
    _assert_clean(page, "embed")


def test_static_map(demo_db: Path, tmp_path: Path, page) -> None:
    """The exported file: 13 districts shown, 419 after switching, no request out."""
    out = export_map(demo_db, tmp_path / "map.html")
    page.goto(out.as_uri())
    page.wait_for_function(
        "document.querySelectorAll('path.leaflet-interactive').length === 13"
    )
    assert page.locator(".leaflet-container").bounding_box()["height"] > 300
    assert page.locator(".marker-cluster").count() > 0
    legend = page.locator("[data-sinn-layer='Gemeinden']")
    assert legend.is_hidden()
    page.get_by_label("Gemeinden").check()
    page.wait_for_function(
        "document.querySelectorAll('path.leaflet-interactive').length === 419"
    )
    assert legend.is_visible()
    _assert_clean(page, "static_map")
