"""The static public map site: files, hashes, compression, and in a real browser.

The site is opened from a plain ``python -m http.server`` (inside an
``<iframe>`` as the SINN website embeds it) and from ``file://``: the map is
visible, shapes and markers are drawn, nothing is requested from another host,
and the indicator switch changes the colours.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import brotli
import pytest

from dashboard.export_site import export_site, page_name
from dashboard.map_style import INDICATORS
from dashboard.texts import LANGUAGES, t
from deploy.replicas import free_port

HASHED = re.compile(r"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{16})\.(js|css)$")
SHAPES = "() => document.querySelectorAll('path.leaflet-interactive').length === 13"


@pytest.fixture(scope="module")
def site(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site of the demo database, in ``<tmp>/site``."""
    out = tmp_path_factory.mktemp("public") / "site"
    pages = export_site(demo_db, out)
    assert len(pages) == len(LANGUAGES) * len(INDICATORS) == 8
    return out


def test_pages_and_hashed_assets(site: Path) -> None:
    """One page per language and indicator; assets named by their content hash."""
    names = {page_name(lang, ind) for lang in LANGUAGES for ind in INDICATORS}
    assert "index.html" in names and "en-per_100k.html" in names
    assert {p.name for p in site.glob("*.html")} == names
    assets = [p for p in (site / "assets").iterdir() if p.suffix in {".js", ".css"}]
    assert {HASHED.match(p.name)["stem"] for p in assets} >= {
        "leaflet",
        "geo",
        "labels-de",
        "labels-en",
    }
    for path in [*assets, *site.glob("*.html")]:
        payload = path.read_bytes()
        match = HASHED.match(path.name)
        if match:
            assert hashlib.sha256(payload).hexdigest()[:16] == match["hash"]
        assert (
            gzip.decompress(path.with_name(path.name + ".gz").read_bytes()) == payload
        )
        br = path.with_name(path.name + ".br").read_bytes()
        assert brotli.decompress(br) == payload


def test_pages_carry_values_not_geometry(site: Path) -> None:
    """Boundaries live in the shared geometry file, not in any page."""
    index = (site / "index.html").read_text(encoding="utf-8")
    assert '"coordinates"' not in index
    geo = next((site / "assets").glob("geo.*.js"))
    assert f'src="assets/{geo.name}"' in index
    packed = geo.read_text(encoding="utf-8")
    assert packed.startswith("window.SINN_GEO=") and packed.count('"P"') > 419
    assert "https://" not in re.sub(r'href="https://[^"]+"', "", index).replace(
        "https://tile.openstreetmap.org", ""
    )


def test_no_streamlit_or_etl_import() -> None:
    """The export runs without Streamlit and without the ETL package."""
    code = (
        "import sys, dashboard.export_site; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'streamlit', 'etl', 'streamlit_folium'}); print(bad); assert not bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.fixture(scope="module")
def http_site(site: Path) -> Iterator[str]:
    """``python -m http.server`` on the site's parent folder; its base URL."""
    host = site.parent / "host.html"
    # The SINN website embeds the site like this.
    host.write_text(
        '<!doctype html><html><body><h1>SINN</h1><iframe src="site/index.html" '
        'title="SINN-Atlas" style="width:100%;height:600px;border:0"></iframe>'
        "</body></html>",
        encoding="utf-8",
    )
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=site.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{url}/host.html", timeout=2)
            break
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                raise
            time.sleep(0.1)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _fills(frame) -> list[str]:
    """Fill colours of the drawn area paths, in DOM order."""
    return frame.eval_on_selector_all(
        "path.leaflet-interactive", "ps => ps.map(p => p.getAttribute('fill'))"
    )


def _assert_visible(frame) -> None:
    """Map container with a height, 13 districts and marker clusters drawn."""
    frame.wait_for_function(SHAPES)
    assert frame.locator(".leaflet-container").bounding_box()["height"] > 300
    assert frame.locator(".marker-cluster").count() > 0
    assert "GeoBasis-DE" in frame.locator(".leaflet-control-attribution").inner_text()


@pytest.mark.browser
def test_site_in_iframe_from_http_server(http_site: str, page) -> None:
    """Embedded as on the website: visible, switchable, nothing from elsewhere."""
    page.goto(f"{http_site}/host.html")
    frame_el = page.wait_for_selector("iframe[title='SINN-Atlas']")
    assert frame_el.bounding_box()["height"] >= 590
    frame = frame_el.content_frame()
    _assert_visible(frame)
    before = _fills(frame)
    frame.get_by_role("link", name=t("ind.initiatives", "de"), exact=True).click()
    frame.wait_for_url(f"**/{page_name('de', 'initiatives')}")
    _assert_visible(frame)
    after = _fills(frame)
    assert len(after) == len(before) == 13 and after != before
    assert page.recorder.errors == [] and page.recorder.external() == []
    page.screenshot(path=str(Path(__file__).parent / "artifacts" / "site_iframe.png"))


@pytest.mark.browser
def test_site_from_file_url(site: Path, page) -> None:
    """Opened from disk: the same map, the English page through the switch."""
    page.goto((site / "index.html").as_uri())
    _assert_visible(page)
    before = _fills(page)
    page.get_by_role("link", name="English").click()
    page.wait_for_url("**/en-per_100k.html")
    _assert_visible(page)
    assert _fills(page) == before  # same indicator, other language
    page.get_by_role("link", name=t("ind.lq", "en"), exact=True).click()
    page.wait_for_url("**/en-lq.html")
    _assert_visible(page)
    assert _fills(page) != before
    assert page.recorder.errors == [] and page.recorder.external() == []
