"""Hostile rows in a real browser: shown as literal text, never run, never leaked.

The app runs on a database holding the demo data plus rows whose name,
organisation, place, description and URL carry HTML and JavaScript, rows with
contact data and non-public rows (``tests/security_data.py``). Every page is
loaded with hostile URL parameters as well; no dialog may fire, no
``javascript:`` link or inline event handler may exist in any frame, and no
contact value or non-public row may reach the page.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from bench.live_server import ROOT, serve, settle, wait_for_map
from dashboard.export_map import export_map
from tests.security_data import (
    FORMULAS,
    IMG,
    INJECTION,
    MARKUP,
    SCRIPT,
    SECRETS,
    SVG,
)

pytestmark = pytest.mark.browser
pytest.importorskip("playwright.sync_api")

ERRORS = "[data-testid='stException'], [data-testid='stAlertContentError']"
WARNINGS = "[data-testid='stAlertContentWarning']"
# Attributes that would run script: inline handlers and script-bearing URLs.
UNSAFE_ATTRIBUTES = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      if (/^on/i.test(a.name)
          || /^\\s*(javascript|vbscript|data:text\\/html)/i.test(a.value))
        bad.push(el.tagName + ' ' + a.name + '=' + a.value.slice(0, 80));
    }
  }
  return bad;
}"""
# Centres the marker titled ``name`` at full zoom and opens its bound popup
# content there (the marker itself may still sit in a cluster).
OPEN_POPUP = """(name) => {
  for (const key of Object.keys(window)) {
    const group = window[key];
    if (!(group instanceof L.MarkerClusterGroup)) continue;
    const marker = group.getLayers().find(m => m.options.title === name);
    if (!marker) continue;
    const map = group._map;
    map.setView(marker.getLatLng(), map.getMaxZoom(), {animate: false});
    map.openPopup(marker.getPopup().getContent(), marker.getLatLng(),
                  {autoPan: false});
    return true;
  }
  return false;
}"""
MARKER_TITLED = """(name) => Array.from(document.querySelectorAll('.sinn-marker'))
  .some(el => el.title === name)"""
HOSTILE_PARAMS = {
    "theme": [IMG, INJECTION],
    "district": SCRIPT,
    "partner": SVG,
    # a blank line would end the notice's code span if it were kept
    "from": "x\n\n[klick](javascript:alert(1))",
    "level": INJECTION,
}


def _pages() -> list[str]:
    """URL paths of every page, the embed view included."""
    names = ["", "regionen", "daten", "methodik", "foerderung"]
    names.append("?embed=true&view=embed")
    if (ROOT / "dashboard" / "app_pages" / "planung.py").exists():
        names.append("planung")
    return names


@pytest.fixture(scope="module")
def server(hostile_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a `streamlit run` of the app on the hostile database."""
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    with serve(hostile_db, log) as (url, _proc):
        yield url


def assert_safe(page) -> None:
    """No dialog, script error, unsafe attribute or private value in any frame."""
    assert page.recorder.dialogs == []
    assert page.recorder.errors == []
    for frame in page.frames:
        assert frame.evaluate(UNSAFE_ATTRIBUTES) == [], frame.url
        content = frame.content()
        assert not [s for s in SECRETS if s in content], frame.url


def popup(frame, name: str):
    """The open popup of the marker titled ``name``."""
    assert frame.evaluate(OPEN_POPUP, name), f"no marker titled {name!r}"
    # the previous popup may still be fading out: pick this one by its title
    content = frame.locator(".leaflet-popup-content").filter(
        has=frame.locator("strong").get_by_text(name, exact=True)
    )
    content.wait_for()
    return content


def assert_literal_popups(frame, titles: bool = True) -> None:
    """Hostile initiatives' popups show their markup as text, without links.

    ``titles``: also wait for the zoomed-in marker's (plain text) title. In
    headless Chromium the static page's map ignored ``setView`` (cause not
    pinned down), so its markers stay clustered and only the popups count.
    """
    shown = popup(frame, SCRIPT)
    text = shown.inner_text()
    assert SCRIPT in text and f"Träger: {IMG}" in text and f"Ort: {SVG}" in text
    assert FORMULAS[0] in text
    # the text is escaped, not parsed: no element came out of it
    assert shown.locator("script, img, svg, iframe, a").count() == 0
    # the marker's tooltip title is the plain name
    if titles:
        frame.wait_for_function(MARKER_TITLED, arg=SCRIPT)
    # an apostrophe in the URL: the importer keeps it, the map drops the link
    assert popup(frame, IMG).locator("a").count() == 0
    link = popup(frame, "Zz-Kontakt-Oeffentlich").locator("a")
    assert link.get_attribute("href") == "https://example.org/"
    assert link.get_attribute("rel") == "noopener noreferrer"


def test_karte_popups_and_search_literal(server: str, page) -> None:
    """Karte: popups and search results show the hostile names as text."""
    page.goto(f"{server}/")
    _el, frame = wait_for_map(page, 13)
    settle(page)
    assert_literal_popups(frame)
    page.get_by_label("Initiative oder Gemeinde suchen").fill("alert(1)")
    page.keyboard.press("Enter")
    settle(page)
    picked = page.locator("[data-testid='stSelectbox']").filter(has_text="Treffer")
    picked.click()
    options = page.get_by_role("option").all_inner_texts()
    assert any(o.startswith(SCRIPT) for o in options), options
    assert any(o.startswith(IMG) for o in options), options
    page.keyboard.press("Escape")
    assert_safe(page)


def test_embed_popups_literal(server: str, page) -> None:
    """The embed view's popups show the hostile names as text."""
    page.goto(f"{server}/?embed=true&view=embed")
    _el, frame = wait_for_map(page, 13)
    settle(page)
    assert_literal_popups(frame)
    assert_safe(page)


def test_daten_cells_literal(server: str, page) -> None:
    """Daten: the table cells hold the hostile text exactly as imported."""
    page.goto(f"{server}/daten")
    settle(page)
    expected = [*MARKUP, FORMULAS[0]]
    # The grid fills its (hidden) accessible cells after painting: wait for them.
    page.wait_for_function(
        """texts => {
            const cells = [...document.querySelectorAll("[role='gridcell']")];
            const shown = new Set(cells.map(c => c.textContent));
            return texts.every(t => shown.has(t));
        }""",
        arg=expected,
    )
    cells = page.locator("[role='gridcell']").all_text_contents()
    for text in expected:
        assert text in cells, text
    assert_safe(page)


@pytest.mark.parametrize("path", _pages())
def test_every_page_with_hostile_url(server: str, page, path: str) -> None:
    """Hostile URL values: each dropped with a literal notice, nothing runs."""
    query = urlencode(HOSTILE_PARAMS, doseq=True)
    joiner = "&" if "?" in path else "?"
    page.goto(f"{server}/{path}{joiner}{query}")
    if path in ("", "?embed=true&view=embed"):
        wait_for_map(page, 13)
    settle(page)
    assert page.locator(ERRORS).count() == 0, page.locator(ERRORS).all_inner_texts()
    notices = " ".join(page.locator(WARNINGS).all_inner_texts())
    for value in (IMG, SCRIPT, SVG, INJECTION):
        assert value in notices, value
    assert page.locator(f"{WARNINGS} a").count() == 0
    assert_safe(page)


def test_static_map_literal(hostile_db: Path, tmp_path: Path, page) -> None:
    """The exported file: popups literal, nothing runs, nothing private inside."""
    out = export_map(hostile_db, tmp_path / "map.html")
    page.goto(out.as_uri())
    page.wait_for_function(
        "() => document.querySelectorAll('path.leaflet-interactive').length === 13"
    )
    assert_literal_popups(page.main_frame, titles=False)
    assert_safe(page)
