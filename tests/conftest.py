"""Shared fixtures: real databases built per test session, the app, a browser."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from bench.live_server import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, Recorder, serve
from deploy.replicas import APP
from etl.build import build
from etl.fetch import fetch
from sinn.db import connect
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
def con(demo_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """Read-only connection to the session's demo database."""
    with connect(demo_db, read_only=True) as connection:
        yield connection


@pytest.fixture
def app(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The app, not yet run, reading the session's demo database."""
    monkeypatch.setenv("SINN_DB", str(demo_db))
    return AppTest.from_file(str(APP), default_timeout=120)


def _assert_clean(at: AppTest) -> None:
    """No exception and no error box."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _open_page(at: AppTest, page: str) -> AppTest:
    """Run the app once (registers the pages), then open ``page``."""
    if not at._tree.children:
        at.run()
    return at.switch_page(f"app_pages/{page}.py").run()


def _metrics(at: AppTest) -> dict[str, str]:
    """Shown metrics by label (the first one where a label repeats)."""
    shown: dict[str, str] = {}
    for m in at.metric:
        shown.setdefault(m.label, m.value)
    return shown


def _de(n: int) -> str:
    """An integer as the German UI writes it (written out here, not imported)."""
    return f"{n:,}".replace(",", ".")


@pytest.fixture
def assert_clean() -> Callable[[AppTest], None]:
    """Check an AppTest run: no exception, no error box."""
    return _assert_clean


@pytest.fixture
def open_page() -> Callable[[AppTest, str], AppTest]:
    """Open a page of the app: ``open_page(app, "planung")``."""
    return _open_page


@pytest.fixture
def metrics() -> Callable[[AppTest], dict[str, str]]:
    """Metric values of a run by label."""
    return _metrics


@pytest.fixture
def de() -> Callable[[int], str]:
    """German thousands separators for an integer."""
    return _de


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
