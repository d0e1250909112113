"""Real browser: `streamlit run` on a free localhost port, driven by headless Chromium.

Every page, the embed view and the static map must render their shapes visibly,
show no Streamlit error, and (default basemap) request nothing from any host but
localhost. Screenshots go to tests/artifacts/ for a human look.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.live_server import ROOT, serve
from bench.live_server import settle as _settle
from bench.live_server import wait_for_map as _map
from dashboard.export_map import export_map

pytestmark = pytest.mark.browser
playwright = pytest.importorskip("playwright.sync_api")

ARTIFACTS = ROOT / "tests" / "artifacts"
ERRORS = "[data-testid='stException'], [data-testid='stAlertContentError']"


@pytest.fixture(scope="module")
def server(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a `streamlit run` of the app on the demo database."""
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    with serve(demo_db, log) as (url, _proc):
        yield url


def _assert_clean(page, name: str) -> None:
    """No Streamlit error, no script error, nothing fetched from elsewhere."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    assert page.locator(ERRORS).count() == 0, page.locator(ERRORS).all_inner_texts()
    assert page.recorder.errors == [] and page.recorder.dialogs == []
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
    """URL paths of the app's pages besides Karte."""
    return ["regionen", "planung", "daten", "methodik"]


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
        "() => document.querySelectorAll('path.leaflet-interactive').length === 13"
    )
    assert page.locator(".leaflet-container").bounding_box()["height"] > 300
    assert page.locator(".marker-cluster").count() > 0
    legend = page.locator("[data-sinn-layer='Gemeinden']")
    assert legend.is_hidden()
    page.get_by_label("Gemeinden").check()
    page.wait_for_function(
        "() => document.querySelectorAll('path.leaflet-interactive').length === 419"
    )
    assert legend.is_visible()
    _assert_clean(page, "static_map")


def test_dataframe_toolbar_offers_no_raw_download(server: str, page) -> None:
    """Daten: the table toolbar shows search but no "Download as CSV" (13.4)."""
    page.goto(f"{server}/daten")
    _settle(page)
    page.locator("[data-testid='stDataFrame']").first.hover()
    page.get_by_role("button", name="Search").first.wait_for()
    assert page.get_by_role("button", name="Download as CSV").count() == 0
