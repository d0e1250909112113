"""Real browser checks of the map's legibility, phone layout and sharing (issue 11).

`streamlit run` on the demo database, headless Chromium at 1300×900 (desktop)
and 390×844 (phone). Screenshots go to tests/artifacts/ for a human look.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from itertools import combinations
from pathlib import Path

import pytest

from bench.live_server import (
    FIRST_VIEW,
    MAP_FRAME,
    ROOT,
    TIMEOUT_MS,
    Recorder,
    serve,
)
from bench.live_server import settle as _settle
from bench.live_server import wait_for_map as _map
from dashboard import queries as q
from dashboard.app_pages.karte import CONTROLS_KEY
from dashboard.choropleth import few_cases
from dashboard.first_view import FALLBACK_S

pytestmark = pytest.mark.browser
playwright = pytest.importorskip("playwright.sync_api")

ARTIFACTS = ROOT / "tests" / "artifacts"
DESKTOP = {"width": 1300, "height": 900}
PHONE = {"width": 390, "height": 844}
PALE = {"#f7f7f7", "#fee0b6", "#d8daeb", "#ffffff"}  # PuOr's middle: "no data"-like


@pytest.fixture(scope="module")
def server(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a `streamlit run` of the app on the demo database."""
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    with serve(demo_db, log) as (url, _proc):
        yield url


def _page(browser, viewport: dict):
    """A page of its own context at ``viewport`` with the error recorder."""
    context = browser.new_context(viewport=viewport, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.recorder = Recorder(page)
    return page


@pytest.fixture
def desktop(browser):
    """A 1300×900 page."""
    page = _page(browser, DESKTOP)
    yield page
    page.context.close()


@pytest.fixture
def phone(browser):
    """A 390×844 page."""
    page = _page(browser, PHONE)
    yield page
    page.context.close()


def _shot(page, name: str) -> None:
    """Viewport screenshot, then: no script error, nothing fetched from elsewhere."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    frames = page.locator(MAP_FRAME)
    if frames.count():  # the map, not the page header, in the picture
        frames.first.evaluate("e => e.scrollIntoView({block: 'end'})")
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    assert page.recorder.errors == [] and page.recorder.external() == []


def _map_with(page, selector: str):
    """The map frame once ``selector`` is in it (a rerun replaces the iframe)."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while True:
        frame = page.wait_for_selector(MAP_FRAME).content_frame()
        try:
            if frame is None:
                raise playwright.Error("map iframe detached")
            frame.wait_for_selector(selector, timeout=5_000)
            return frame
        except playwright.Error:
            if time.monotonic() > deadline:
                raise


def _open(page, url: str, shapes: int):
    """Load ``url``; the map frame once its ``shapes`` areas are drawn and idle."""
    page.goto(url)
    _frame_el, frame = _map(page, shapes)
    _settle(page)
    return frame


def _overlap(a: dict, b: dict) -> bool:
    """Whether two bounding boxes share any area."""
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def test_first_view_map_alone_then_the_page(server: str, desktop) -> None:
    """A fresh visit: the map alone first; then the page around it, map untouched."""
    page = desktop
    attached = []
    page.on("frameattached", lambda frame: attached.append(frame))
    page.goto(f"{server}/?level=municipality&theme=bildung")
    # the first view: a blank for the map controls and the map, no sidebar filters;
    # the map frame's top once it is laid out
    top = page.wait_for_function(
        f"""() => {{
            const frame = document.querySelector({MAP_FRAME!r});
            if (!frame || !document.querySelector({FIRST_VIEW!r})
                || document.querySelector('.st-key-f_theme, .st-key-map_level')) {{
                return null;
            }}
            const box = frame.getBoundingClientRect();
            return box.width > 0 ? box.top + window.scrollY : null;
        }}"""
    ).json_value()
    _frame_el, frame = _map(page, 419)
    frame.evaluate(
        "() => document.querySelectorAll('path.leaflet-interactive')"
        ".forEach(p => p.setAttribute('data-first', '1'))"
    )
    _settle(page)
    # the whole page: filters (the URL's theme kept), controls, key figures
    theme = page.locator(".st-key-f_theme")
    assert "Bildung" in theme.inner_text()
    assert page.locator(".st-key-map_level").count() == 1
    assert page.locator("[data-testid='stMetric']").count() >= 3
    # the same map: one iframe, its areas drawn once, in the same place
    assert len(attached) == 1
    drawn = frame.eval_on_selector_all(
        "path.leaflet-interactive",
        "ps => [ps.length, ps.filter(p => p.dataset.first === '1').length]",
    )
    assert drawn == [419, 419]
    now = page.evaluate(
        f"() => document.querySelector({MAP_FRAME!r}).getBoundingClientRect().top"
        " + window.scrollY"
    )
    assert abs(now - top) <= 2
    assert page.recorder.errors == []


def test_first_view_without_the_map_still_completes(server: str, desktop) -> None:
    """Map frame held back: the page completes after the fallback; then the map."""
    page = desktop
    attached = []
    page.on("frameattached", lambda frame: attached.append(frame))
    held = []
    frame_url = "**/component/dashboard.map_component.sinn_map/index.html*"
    page.route(frame_url, lambda route: held.append(route))
    page.goto(f"{server}/?theme=bildung")
    page.locator(FIRST_VIEW).wait_for()
    assert page.locator(".st-key-f_theme").count() == 0
    # the URL's theme in the filter: the whole page's run is over
    page.locator(".st-key-f_theme").filter(has_text="Bildung").wait_for(
        timeout=(FALLBACK_S + 30) * 1000
    )
    page.locator("[data-testid='stMetric']").nth(2).wait_for()
    assert page.locator(".st-key-map_level").count() == 1
    assert page.locator(FIRST_VIEW).count() == 0
    assert held  # the frame had asked and was still waiting
    for route in held:
        route.continue_()
    page.unroute(frame_url)
    _map(page, 13)
    _settle(page)
    assert len(attached) == 1
    assert "Bildung" in page.locator(".st-key-f_theme").inner_text()
    assert page.recorder.errors == []
    _shot(page, "first_view_late_map")


def test_lq_municipalities_natural_breaks(server: str, desktop, con) -> None:
    """LQ, Gemeinden, natural breaks: no pale class, labelled classes, few flagged."""
    page = desktop
    _open(page, f"{server}/?level=municipality&indicator=lq", 419)
    page.locator("[data-testid='stSelectbox']").filter(
        has_text="Klasseneinteilung"
    ).click()
    page.get_by_role("option", name="Natürliche Brüche (Jenks)").click()
    # the old map also has 419 areas: wait for the new one by its legend
    _map_with(page, ".sinn-area-legend:has-text('Natürliche Brüche')")
    _settle(page)
    _frame_el, frame = _map(page, 419)
    legend = frame.locator(".sinn-area-legend")
    fills = frame.eval_on_selector_all(
        "path.leaflet-interactive", "ps => ps.map(p => p.getAttribute('fill'))"
    )
    assert len(fills) == 419 and not PALE & set(fills)
    values = q.map_area_values(con, q.Filters(), "municipality")
    zeros = int((values["initiatives"] == 0).sum())
    few = int(few_cases(values).sum())
    assert legend.get_attribute("open") is not None  # open on a wide map
    text = legend.inner_text()
    assert f"0 – keine Initiative ({zeros})" in text
    assert f"weniger als 3 Initiativen, Wert unsicher ({few})" in text
    dashed = frame.eval_on_selector_all(
        "path.leaflet-interactive",
        "ps => ps.filter(p => p.getAttribute('stroke-dasharray') === '3 3').length",
    )
    assert dashed == few
    _shot(page, "map_lq_natural_breaks")


def test_clusters_labels_and_marker_legend(server: str, desktop) -> None:
    """Every cluster count is on top where it is drawn; towns labelled; legend open."""
    page = desktop
    frame = _open(page, f"{server}/", 13)
    frame.locator(".sinn-count").first.wait_for()
    # No marker or cluster icon lies on top of any count (initiatives in the
    # circle, events in the badge); map controls may cover the map, icons not.
    covered = frame.evaluate(
        """() => Array.from(document.querySelectorAll('.sinn-count, .sinn-event-badge'))
            .filter(e => { const r = e.getBoundingClientRect();
                const hit = document.elementFromPoint(r.left + r.width / 2,
                                                      r.top + r.height / 2);
                const icon = hit && hit.closest('.leaflet-marker-icon');
                return icon && !icon.contains(e); })
            .map(e => e.textContent)"""
    )
    counts = frame.locator(".sinn-count, .sinn-event-badge").count()
    assert covered == [] and counts > 20
    assert frame.locator(".sinn-event-badge").count() > 0
    markers = frame.locator("details.sinn-legend").filter(has_text="Themenfeld")
    assert markers.get_attribute("open") is not None
    for town in ("Leipzig", "Görlitz", "Bautzen", "Plauen", "Borna", "Torgau"):
        assert frame.locator(".sinn-place.sinn-major", has_text=town).count() == 1
    assert frame.locator(".sinn-place span", has_text="Görlitz").is_visible()
    _shot(page, "map_clusters_labels")


def test_search_hit_highlighted_and_labelled(server: str, desktop) -> None:
    """Searching "Görlitz" zooms there and marks the place with its name."""
    page = desktop
    _open(page, f"{server}/", 13)
    page.get_by_label("Initiative oder Gemeinde suchen").fill("Görlitz")
    page.keyboard.press("Enter")
    _settle(page)
    frame = _map_with(page, ".sinn-hit span")
    hit = frame.locator(".sinn-hit span")
    assert hit.inner_text() == "Görlitz"
    box, map_box = (
        hit.bounding_box(),
        frame.locator(".leaflet-container").bounding_box(),
    )
    assert _overlap(box, map_box)
    _shot(page, "map_search_goerlitz")


def _top(page, selector: str) -> float:
    """Top edge of ``selector``'s first match in the viewport, in px."""
    return page.locator(selector).first.bounding_box()["y"]


def test_phone_map_above_its_controls(server: str, phone, desktop) -> None:
    """390×844: the map in the first screen, controls below; a search shows it."""
    page = phone
    _open(page, f"{server}/", 13)
    controls = f".st-key-{CONTROLS_KEY}"
    assert _top(page, MAP_FRAME) < PHONE["height"] - 300 < _top(page, controls)
    _shot(page, "phone_map_first")
    # the search field lies below the map: typing there scrolls the map away
    page.get_by_label("Initiative oder Gemeinde suchen").fill("Görlitz")
    assert _top(page, MAP_FRAME) < 0
    page.keyboard.press("Enter")
    _map_with(page, ".sinn-hit span")
    _settle(page)
    page.wait_for_function(  # the map with the hit has scrolled into sight
        f"""() => {{ const top = document.querySelector({MAP_FRAME!r})
            .getBoundingClientRect().top; return top >= 0 && top < 200; }}"""
    )
    _shot(page, "phone_search_hit")
    # on a wide screen the controls stay above the map
    _open(desktop, f"{server}/", 13)
    assert _top(desktop, controls) < _top(desktop, MAP_FRAME)


def test_embed_on_a_phone(server: str, phone) -> None:
    """390×844 embed: legends closed, no control overlaps, tooltips inside."""
    page = phone
    frame = _open(page, f"{server}/?embed=true&view=embed", 13)
    frame.locator(".sinn-area-legend").wait_for()
    details = frame.locator("details.sinn-legend")
    assert details.count() == 2
    assert all(details.nth(i).get_attribute("open") is None for i in range(2))
    map_box = frame.locator(".leaflet-container").bounding_box()
    selectors = [
        ".leaflet-control-zoom",
        ".leaflet-control-scale",
        ".leaflet-control-attribution",
        ".sinn-control",
    ]
    boxes = [
        (sel, i, frame.locator(sel).nth(i).bounding_box())
        for sel in selectors
        for i in range(frame.locator(sel).count())
    ]
    assert len(boxes) == 5
    for (a, i, box_a), (b, j, box_b) in combinations(boxes, 2):
        assert not _overlap(box_a, box_b), (a, i, b, j)
    for _sel, _i, box in boxes:
        assert box["x"] >= map_box["x"] and box["y"] >= map_box["y"]
        assert box["x"] + box["width"] <= map_box["x"] + map_box["width"]
        assert box["y"] + box["height"] <= map_box["y"] + map_box["height"]
    legend_area = sum(
        b["width"] * b["height"] for s, _, b in boxes if s == ".sinn-control"
    )
    assert legend_area < 0.08 * map_box["width"] * map_box["height"]
    # Hover a district near the right edge of the phone (east Saxony).
    path = frame.locator("path.leaflet-interactive").nth(7)  # 14626 Görlitz
    box = path.bounding_box()
    x, y = box["x"] + box["width"] * 0.8, box["y"] + box["height"] * 0.45
    assert x > 0.6 * PHONE["width"]
    page.mouse.move(x, y)
    tooltip = frame.locator(".leaflet-tooltip")
    tooltip.wait_for()
    assert tooltip.inner_text().startswith("Kreis")
    tip = tooltip.bounding_box()
    assert tip["x"] >= 0 and tip["x"] + tip["width"] <= PHONE["width"]
    assert tip["y"] >= 0 and tip["y"] + tip["height"] <= PHONE["height"]
    _shot(page, "embed_phone_tooltip")
    frame.locator(".sinn-area-legend summary").click()
    assert frame.locator(".sinn-area-legend").get_attribute("open") is not None
    _shot(page, "embed_phone_legend_open")


def test_png_download_and_embed_code(server: str, desktop) -> None:
    """Karte offers the map as PNG and the <iframe> code of its embed view."""
    page = desktop
    _open(page, f"{server}/?level=municipality&indicator=lq", 419)
    with page.expect_download() as info:
        page.get_by_role("button", name="Karte als PNG").click()
    download = info.value
    assert download.suggested_filename == "sinn_karte_municipality_lq.png"
    assert Path(download.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page.get_by_text("Karte einbetten (HTML-Code)").click()
    code = page.get_by_label("HTML-Code zum Kopieren")
    code.wait_for()
    text = code.input_value()
    assert "level=municipality&amp;indicator=lq" in text
    assert "embed=true&amp;view=embed" in text and text.startswith("<iframe src=")
    _shot(page, "karte_share")


def test_charts_offer_png(server: str, desktop) -> None:
    """Regionen: plotly's modebar with its PNG download is shown on every chart."""
    page = desktop
    page.goto(f"{server}/regionen")
    _settle(page)
    charts = page.locator(".js-plotly-plot")
    charts.first.wait_for()
    buttons = page.locator(".modebar-btn[data-title^='Download plot']")
    assert charts.count() >= 2 and buttons.count() == charts.count()
