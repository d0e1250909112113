"""Dashboard payload and run time per page, against a naive map baseline.

For every page (AppTest, same process): the server-side run time (first run and
median of warm reruns) and the payload the run produces (all element protos;
for the map the st_folium component arguments, i.e. the map HTML/JS). The naive
baseline (``bench/naive_map_page.py``: unsimplified boundaries at full precision,
all returned objects) runs in the same process; ratios are ours / naive.

With ``--browser`` it also starts both as real servers and measures, in headless
Chromium, the websocket bytes a fresh visitor receives until the map is drawn,
the time to the drawn map, and how many reruns three zoom steps trigger.

Run from the project root: ``.venv/bin/python -m bench.bench_dashboard
[--db PATH] [--browser]`` (target: municipality map payload <= 1.5 MB).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from streamlit.testing.v1 import AppTest

from deploy.replicas import streamlit_command

ROOT = Path(__file__).resolve().parents[1]

APP = ROOT / "dashboard" / "streamlit_app.py"
NAIVE = ROOT / "bench" / "naive_map_page.py"
TARGET_BYTES = 1.5e6
WARM_RUNS = 3
COMPONENT = "streamlit_folium.st_folium"
MAP_FRAME = "iframe[title='streamlit_folium.st_folium']"


@dataclass
class Row:
    """One measured page."""

    name: str
    first_s: float
    warm_s: float
    payload: int
    map_payload: int


def _protos(node) -> list:
    """Element protos below an AppTest node."""
    out = [node.proto] if hasattr(getattr(node, "proto", None), "ByteSize") else []
    children = getattr(node, "children", None)
    for child in children.values() if isinstance(children, dict) else ():
        out += _protos(child)
    return out


def _measure(name: str, make: Callable[[], AppTest], setup=None) -> Row:
    """Run a page cold and warm; sum the bytes of what it sends."""
    at = make()
    if setup is not None:
        setup(at.run())  # the first run only registers pages and widgets
    start = time.perf_counter()
    at.run()
    first = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(f"{name}: {[e.value for e in at.exception]}")
    warm = []
    for _ in range(WARM_RUNS):
        start = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - start)
    protos = _protos(at._tree)
    maps = [p for p in protos if getattr(p, "component_name", "") == COMPONENT]
    return Row(
        name,
        first,
        statistics.median(warm),
        sum(p.ByteSize() for p in protos),
        sum(len(p.json_args) for p in maps),
    )


def _app(**params: str) -> Callable[[], AppTest]:
    """Factory of the app with URL parameters."""

    def make() -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=300)
        for key, value in params.items():
            at.query_params[key] = value
        return at

    return make


def _naive(level: str) -> Callable[[], AppTest]:
    """Factory of the naive baseline page at ``level``."""

    def make() -> AppTest:
        at = AppTest.from_file(str(NAIVE), default_timeout=300)
        at.query_params["level"] = level
        return at

    return make


def _level(value: str) -> Callable[[AppTest], AppTest]:
    """Setup step choosing the Karte map level."""
    return lambda at: at.selectbox(key="map_level").set_value(value)


def _page(path: str) -> Callable[[AppTest], AppTest]:
    """Setup step switching to another page."""
    return lambda at: at.switch_page(path)


def apptest_rows() -> list[Row]:
    """All pages and the baseline, measured in this process."""
    cases = [
        ("Karte (Kreise)", _app(), None),
        ("Karte (Gemeinden)", _app(), _level("municipality")),
        ("Embed (Kreise)", _app(view="embed"), None),
        ("Regionen", _app(), _page("app_pages/regionen.py")),
        ("Daten", _app(), _page("app_pages/daten.py")),
        ("Methodik", _app(), _page("app_pages/methodik.py")),
    ]
    if (ROOT / "dashboard" / "app_pages" / "planung.py").exists():
        cases.append(("Planung", _app(), _page("app_pages/planung.py")))
    cases += [
        ("naiv (Kreise)", _naive("district"), None),
        ("naiv (Gemeinden)", _naive("municipality"), None),
    ]
    return [_measure(name, make, setup) for name, make, setup in cases]


def _mb(n: float) -> str:
    """Bytes as MB with two decimals."""
    return f"{n / 1e6:6.2f} MB"


def print_rows(rows: list[Row]) -> None:
    """The table, the ratios and the target check."""
    print(f"{'page':<20}{'first run':>11}{'warm run':>10}{'payload':>12}{'map':>12}")
    for r in rows:
        print(
            f"{r.name:<20}{r.first_s:>10.2f}s{r.warm_s:>9.2f}s"
            f"{_mb(r.payload):>12}{_mb(r.map_payload):>12}"
        )
    by = {r.name: r for r in rows}
    print("\nratio ours / naive (same process):")
    for level in ("Kreise", "Gemeinden"):
        ours, naive = by[f"Karte ({level})"], by[f"naiv ({level})"]
        print(
            f"  {level:<10} payload {ours.payload / naive.payload:5.2f}"
            f"  map {ours.map_payload / naive.map_payload:5.2f}"
            f"  warm run {ours.warm_s / naive.warm_s:5.2f}"
        )
    size = by["Karte (Gemeinden)"].payload
    verdict = "OK" if size <= TARGET_BYTES else "OVER TARGET"
    print(f"\nmunicipality map page payload {_mb(size)} (target <= 1.50 MB): {verdict}")


def _serve(script: Path, db: Path, port: int, cwd: Path) -> subprocess.Popen:
    """``streamlit run script`` on 127.0.0.1:port."""
    cmd = streamlit_command(port, script)
    env = {**os.environ, "SINN_DB": str(db)}
    return subprocess.Popen(
        cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def _until_up(port: int, timeout: float = 90) -> None:
    """Block until the server on ``port`` answers its health check."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"no server on port {port} after {timeout} s")


def _visit(browser, url: str) -> tuple[int, float, int]:
    """Websocket bytes until the map is drawn, seconds to it, reruns on 3 zooms."""
    page = browser.new_page(viewport={"width": 1300, "height": 1400})
    received, sent = [0], [0]

    def on_socket(ws) -> None:
        ws.on("framereceived", lambda p: received.__setitem__(0, received[0] + len(p)))
        ws.on("framesent", lambda _p: sent.__setitem__(0, sent[0] + 1))

    page.on("websocket", on_socket)
    start = time.perf_counter()
    page.goto(url)
    frame = page.wait_for_selector(MAP_FRAME, timeout=120_000).content_frame()
    frame.wait_for_selector("path.leaflet-interactive", timeout=120_000)
    seconds = time.perf_counter() - start
    payload = received[0]
    page.wait_for_timeout(2_000)
    before = sent[0]
    for _ in range(3):
        frame.locator(".leaflet-control-zoom-in").click()
        page.wait_for_timeout(1_500)
    reruns = sent[0] - before
    page.close()
    return payload, seconds, reruns


def browser_figures(db: Path) -> None:
    """Fresh-visitor websocket payload, time to map and zoom reruns, both apps.

    The first visit meets cold query caches, the second warm ones (new session).
    """
    from playwright.sync_api import sync_playwright

    from dashboard.assets import VENDOR_DIR, ensure_vendor

    ensure_vendor()
    with tempfile.TemporaryDirectory() as tmp:
        # The baseline needs static/ beside its script to get the same assets.
        naive_dir = Path(tmp)
        (naive_dir / "naive_map_page.py").write_text(NAIVE.read_text())
        (naive_dir / "static").symlink_to(VENDOR_DIR.parent, target_is_directory=True)
        servers = {
            "Karte (Gemeinden)": (APP, 8691),
            "naiv (Gemeinden)": (naive_dir / "naive_map_page.py", 8692),
        }
        procs = [_serve(script, db, port, ROOT) for script, port in servers.values()]
        try:
            for _script, port in servers.values():
                _until_up(port)
            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path="/usr/bin/chromium",
                    args=["--no-sandbox", "--disable-gpu"],
                )
                print(
                    f"\n{'browser (visit)':<26}{'websocket in':>14}{'to map':>9}"
                    f"{'reruns':>8}"
                )
                for name, (_script, port) in servers.items():
                    for visit in ("cold", "warm"):
                        url = f"http://127.0.0.1:{port}/?level=municipality"
                        size, seconds, reruns = _visit(browser, url)
                        label = f"{name} {visit}"
                        print(f"{label:<26}{_mb(size):>14}{seconds:>8.2f}s{reruns:>8}")
                browser.close()
        finally:
            for proc in procs:
                proc.terminate()
                proc.wait(timeout=15)


def main() -> None:
    """Build (or use) a demo database and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", type=Path, help="existing database (default: build demo)"
    )
    parser.add_argument(
        "--browser", action="store_true", help="also measure in Chromium"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db
        if db is None:
            from etl.build import build
            from etl.fetch import fetch

            fetch()
            db = Path(tmp) / "sinn.duckdb"
            build(db, demo=True)
        os.environ["SINN_DB"] = str(db)
        print_rows(apptest_rows())
        if args.browser:
            browser_figures(db)


if __name__ == "__main__":
    main()
