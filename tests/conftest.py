"""Shared fixtures: real databases built per test session, a headless browser."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from etl.build import build
from etl.fetch import fetch
from tests.live_server import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, Recorder, serve
from tests.security_data import build_hostile_db


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Path of a database built by the real ETL with the seeded demo data."""
    fetch()  # copies the reference files from the mirror; a no-op when present
    path = tmp_path_factory.mktemp("db") / "sinn.duckdb"
    build(path, demo=True)
    return path


@pytest.fixture(scope="module")
def demo_server(
    demo_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Base URL of a `streamlit run` of the app on the demo database."""
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    with serve(demo_db, log) as (url, _proc):
        yield url


@pytest.fixture(scope="session")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo database plus hostile, contact and non-public rows."""
    return build_hostile_db(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium via Playwright."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI must install Chromium ({CHROMIUM}); see .ci/run")
        pytest.skip(f"no Chromium at {CHROMIUM} (set SINN_CHROMIUM)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser):
    """A fresh page (own context) with a request/error/dialog recorder attached."""
    context = browser.new_context(viewport={"width": 1300, "height": 1800})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.recorder = Recorder(page)
    yield page
    context.close()
