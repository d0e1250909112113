"""Real browser: the Förderung page at desktop size and on a 390×844 phone."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.live_server import ROOT, TIMEOUT_MS, Recorder, settle, wait_for_map

pytestmark = pytest.mark.browser
pytest.importorskip("playwright.sync_api")

ARTIFACTS = ROOT / "tests" / "artifacts"
ERRORS = "[data-testid='stException'], [data-testid='stAlertContentError']"
CITATION = "Liste der Vorhaben ESF Sachsen 2014–2020, Stand 30.06.2016"


def _check(page, name: str, shapes: int) -> None:
    """Map drawn and visible with source and legend; no error; nothing external."""
    frame_el, frame = wait_for_map(page, shapes)
    settle(page)
    box = frame_el.bounding_box()
    assert box is not None and box["height"] > 300 and box["width"] > 300
    assert CITATION in frame.locator(".leaflet-control-attribution").inner_text()
    legend = frame.locator(".sinn-legend-title").first.inner_text()
    assert legend == "Förderfähige ESF-Ausgaben in EUR je Einwohner"
    assert page.get_by_text(f"Quelle: {CITATION}").count() >= 1
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    assert page.locator(ERRORS).count() == 0, page.locator(ERRORS).all_inner_texts()
    assert page.recorder.errors == [] and page.recorder.dialogs == []
    assert page.recorder.external() == []


def test_foerderung_desktop(demo_server: str, page) -> None:
    page.goto(f"{demo_server}/foerderung")
    _check(page, "foerderung_desktop", 13)
    assert page.get_by_text("Initiativen neben dem Geld").count() >= 1


def test_foerderung_phone(demo_server: str, browser) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.recorder = Recorder(page)
    try:
        page.goto(f"{demo_server}/foerderung?flevel=municipality")
        _check(page, "foerderung_phone", 419)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, width  # nothing pushes the page sideways
    finally:
        context.close()


def test_regionen_downloads_the_district_report(demo_server: str, page) -> None:
    page.goto(f"{demo_server}/regionen?district=14730")
    settle(page)
    button = page.get_by_role("button", name="Kreisdossier als PDF")
    with page.expect_download(timeout=TIMEOUT_MS) as info:
        button.click()
    download = info.value
    assert download.suggested_filename == "kreisdossier_14730.pdf"
    pdf = Path(download.path()).read_bytes()
    assert pdf.startswith(b"%PDF-") and b"DejaVuSans" in pdf
    assert page.locator(ERRORS).count() == 0
