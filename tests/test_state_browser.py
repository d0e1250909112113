"""Real browser: selections survive language and page switches; links restore them.

The browser holds select boxes by their label, so a language switch is only
seen to work in a real frontend (AppTest re-sends the codes).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from bench.live_server import ROOT, serve
from bench.live_server import settle as _settle
from bench.live_server import wait_for_map as _map

pytestmark = pytest.mark.browser
playwright = pytest.importorskip("playwright.sync_api")

ARTIFACTS = ROOT / "tests" / "artifacts"
SIZES = {"wide": (1300, 900), "phone": (390, 844)}


@pytest.fixture(scope="module")
def server_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the server of this module writes its output."""
    return tmp_path_factory.mktemp("state") / "server.log"


@pytest.fixture(scope="module")
def live(demo_db: Path, server_log: Path) -> Iterator[str]:
    """Base URL of a `streamlit run` of the app on the demo database."""
    with serve(demo_db, server_log) as (url, _):
        yield url


def _shows(page, label: str, option: str) -> None:
    """Wait until the select box called ``label`` shows ``option``."""
    # a language switch relabels in a second run: the old label may show briefly
    box = page.get_by_role("combobox", name=label, exact=True)
    playwright.expect(box).to_have_value(option, timeout=30_000)


def _pick(page, label: str, option: str) -> None:
    """Choose ``option`` in the select box called ``label``."""
    page.get_by_role("combobox", name=label, exact=True).click()
    page.get_by_role("option", name=option, exact=True).click()


def _shot(page, name: str) -> None:
    """A screenshot of the visible viewport for a human look."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def _language(page, name: str) -> None:
    """Click the sidebar's language radio option ``name`` and wait for the rerun."""
    sidebar = page.locator("[data-testid='stSidebar']")
    phone = page.viewport_size["width"] < 600  # the sidebar covers the page there
    if phone:
        page.locator("[data-testid='stExpandSidebarButton']").click()
    sidebar.get_by_text(name, exact=True).click()
    _settle(page)
    if phone:
        sidebar.locator("[data-testid='stSidebarCollapseButton'] button").click()
        page.locator("[data-testid='stExpandSidebarButton']").wait_for()


def _open_lq(page, size: str) -> None:
    """Open Karte at municipality level with LQ in a window of ``size``."""
    page.set_viewport_size(dict(zip(("width", "height"), SIZES[size], strict=True)))
    page.goto(f"{page.live}/?level=municipality&indicator=lq")
    _map(page, 419)
    _settle(page)
    _shows(page, "Ebene", "Gemeinden")


def test_language_switch_keeps_map_selection(live: str, page) -> None:
    """Gemeinden + LQ stay chosen in English, after another change and back."""
    page.live = live
    _open_lq(page, "wide")
    _language(page, "English")
    page.wait_for_url("**lang=en**")
    _shows(page, "Level", "Municipalities")
    _shows(page, "Indicator", "Location quotient (LQ)")
    _shot(page, "state_lang_en_wide")
    # the next interaction used to reset level and indicator to their defaults
    _pick(page, "Classification", "Natural breaks (Jenks)")
    page.wait_for_url("**scheme=natural_breaks**")
    _map(page, 419)
    _settle(page)
    assert "level=municipality" in page.url and "indicator=lq" in page.url
    _shows(page, "Level", "Municipalities")
    _language(page, "Deutsch")
    _shows(page, "Ebene", "Gemeinden")
    _shows(page, "Klasseneinteilung", "Natürliche Brüche (Jenks)")
    _pick(page, "Hintergrund", "OpenStreetMap")
    _settle(page)
    _shows(page, "Kennzahl", "Standortquotient (LQ)")
    assert "level=municipality" in page.url and "lang=" not in page.url
    _shot(page, "state_lang_de_wide")


def test_language_switch_on_phone(live: str, page) -> None:
    """At 390×844 the selectors show the new language's labels both ways."""
    page.live = live
    _open_lq(page, "phone")
    _language(page, "English")
    _shows(page, "Level", "Municipalities")
    _shows(page, "Indicator", "Location quotient (LQ)")
    _shot(page, "state_lang_en_phone")
    _language(page, "Deutsch")
    _shows(page, "Ebene", "Gemeinden")
    _shows(page, "Kennzahl", "Standortquotient (LQ)")
    assert "level=municipality" in page.url and "indicator=lq" in page.url
    _shot(page, "state_lang_de_phone")


def test_karte_regionen_karte_keeps_level(live: str, page) -> None:
    """The map level and indicator survive a visit to another page."""
    page.goto(f"{live}/?level=municipality&indicator=lq")
    _map(page, 419)
    _settle(page)
    page.locator("[data-testid='stSidebarNav']").get_by_text("Regionen").click()
    page.wait_for_url("**/regionen**")
    _settle(page)
    page.locator("[data-testid='stSidebarNav']").get_by_text("Karte").click()
    _map(page, 419)
    _settle(page)
    _shows(page, "Ebene", "Gemeinden")
    _shows(page, "Kennzahl", "Standortquotient (LQ)")
    assert "level=municipality" in page.url and "indicator=lq" in page.url


def test_planung_link_in_fresh_browser(live: str, page) -> None:
    """A shared Planung link shows its radius, k and planned site."""
    page.goto(f"{live}/planung?r=30&k=3&weighted=1&planned=14612000")
    page.wait_for_selector("h1")
    _settle(page)
    radius = page.get_by_role("slider", name="Radius R (km, Luftlinie)")
    assert radius.input_value() == "30"
    assert page.get_by_role("slider", name="Anzahl Vorschläge k").input_value() == "3"
    planned = page.locator("[data-testid='stMultiSelect']").filter(has_text="Geplante")
    assert "Dresden" in planned.inner_text()
    _shot(page, "state_planung_link")


def test_start_without_warnings(live: str, page, server_log: Path) -> None:
    """The server says nothing a newcomer must wonder about (no static-folder warning).

    The folder ``dashboard/static`` is in git, so a fresh clone has it before the
    map assets are copied into it.
    """
    tracked = subprocess.run(
        ["git", "ls-files", "dashboard/static"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert "dashboard/static/README.md" in tracked
    page.goto(f"{live}/methodik")
    _settle(page)
    log = server_log.read_text()
    assert "You can now view your Streamlit app" in log
    assert "WARNING" not in log.upper() and "Traceback" not in log, log


def _params(page) -> dict[str, list[str]]:
    """The page URL's query parameters."""
    return parse_qs(urlsplit(page.url).query)


def _view(frame) -> dict:
    """Leaflet's zoom and centre of the map in ``frame``."""
    return frame.evaluate(
        "() => ({zoom: window.sinnMap.getZoom(), lat: window.sinnMap.getCenter().lat,"
        " lng: window.sinnMap.getCenter().lng})"
    )


def _new_map(page, shapes: int, zoom: float):
    """The map frame drawn after the last ``_mark_old`` once it shows ``zoom``."""
    while True:
        _, frame = _map(page, shapes)
        if not frame.evaluate("() => window.sinnOld === true"):
            break
    shown = f"window.sinnMap && window.sinnMap.getZoom() === {zoom}"
    frame.wait_for_function(f"() => {shown}")
    return frame


def _mark_old(frame) -> None:
    """Mark the shown map, so that its redrawn successor can be told apart."""
    frame.evaluate("() => { window.sinnOld = true; }")


def _near(view: dict, other: dict) -> bool:
    """Both centres within a pixel at ``view``'s zoom (Leaflet snaps to pixels)."""
    pixel = 360 / 256 / 2 ** view["zoom"]  # degrees of longitude, more than latitude
    return all(abs(view[k] - other[k]) <= pixel for k in ("lat", "lng"))


def test_karte_own_view_leaves_the_url_clean(live: str, page) -> None:
    """The map fitting Saxony by itself is no view to share: the URL stays empty."""
    page.set_viewport_size({"width": 1300, "height": 900})
    page.goto(live)
    _, frame = _map(page, 13)
    _settle(page)
    assert frame.evaluate("() => window.sinnSent === undefined")  # nothing sent
    assert _params(page) == {}


def test_karte_view_link_zoom_filter_and_level(live: str, page) -> None:
    """A zoom/centre link opens there; a zoom joins the URL; redraws keep it."""
    page.set_viewport_size({"width": 1300, "height": 900})
    page.goto(f"{live}/?zoom=10&center=51.0504,13.7373")
    frame = _new_map(page, 13, 10)
    assert _near(_view(frame), {"lat": 51.0504, "lng": 13.7373})
    _settle(page)
    # zoom in with the map's own control: the URL follows
    frame.locator(".leaflet-control-zoom-in").click()
    page.wait_for_url("**zoom=11**")
    _settle(page)
    lat, lng = map(float, _params(page)["center"][0].split(","))
    shown = _view(frame)
    assert abs(shown["lat"] - lat) < 1e-4 and abs(shown["lng"] - lng) < 1e-4
    assert _near(shown, {"lat": 51.0504, "lng": 13.7373})
    # a sidebar filter redraws the map: it opens at the same view
    _mark_old(frame)
    page.locator("[data-testid='stSidebar']").get_by_text(
        "Veranstaltungen anzeigen", exact=True
    ).click()
    page.wait_for_url("**events=0**")
    _settle(page)
    frame = _new_map(page, 13, 11)
    assert _near(_view(frame), shown)
    # another level: a new map, same view
    _mark_old(frame)
    _pick(page, "Ebene", "Gemeinden")
    page.wait_for_url("**level=municipality**")
    _settle(page)
    frame = _new_map(page, 419, 11)
    assert _near(_view(frame), shown)
    assert _params(page)["zoom"] == ["11"]
    _shot(page, "state_view_zoom11_municipalities")
    # Karte -> Regionen -> Karte: the map opens at the latest view (12), not at
    # the one this map was first drawn with (11)
    frame.locator(".leaflet-control-zoom-in").click()
    page.wait_for_url("**zoom=12**")
    _settle(page)
    shown = _view(frame)
    page.locator("[data-testid='stSidebarNav']").get_by_text("Regionen").click()
    page.wait_for_url("**/regionen**")
    _settle(page)
    page.locator("[data-testid='stSidebarNav']").get_by_text("Karte").click()
    frame = _new_map(page, 419, 12)
    _settle(page)
    assert _params(page)["zoom"] == ["12"]
    assert _params(page)["level"] == ["municipality"]
    assert _near(_view(frame), shown)
