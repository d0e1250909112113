"""Dashboard payload and run time per page, against a naive map baseline.

For every page (AppTest, same process): the server-side run time (first run and
median of warm reruns) and the payload the run produces (all element protos;
for the map the st_folium component arguments, i.e. the map HTML/JS). The naive
baseline (``bench/naive_map_page.py``: unsimplified boundaries at full precision,
all returned objects) runs in the same process; ratios are ours / naive.

With ``--browser`` it also starts the servers fresh (the app warmed at start-up
as ``deploy.replicas`` does it), side by side, and measures in headless
Chromium, municipality map (``?level=municipality``): each server's first
visitor's time to a visible map; then ``--visits`` rounds with one fresh visitor
per server in turn (so that the machine's noise falls on all alike; own browser
context, empty cache): time to the
visible map, app payload (websocket frames received plus every HTTP response,
headers and encoded body, except Streamlit's own ``/static/`` bundle) and the
server's CPU seconds per view (psutil, user + system); for the app also the time
from a filter change (sidebar "events" toggle) to the redrawn map at district
and municipality level. The targets are printed as ratios against the naive
page measured in the same run.

Set-ups measured in Chromium: the naive page and the app, each served directly
and through nginx (``deploy/``, one replica; its CPU counts nginx too). Then the
public embed at district level: the static site of ``dashboard.export_site``
from ``python -m http.server`` against the naive page at ``?level=district``.

Run from the project root: ``.venv/bin/python -m bench.bench_dashboard
[--db PATH] [--browser [--visits N] [--no-apptest]]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import psutil
from streamlit.testing.v1 import AppTest

from bench.live_server import COMPLETE_JS, IDLE, MAP_FRAME

ROOT = Path(__file__).resolve().parents[1]

APP = ROOT / "dashboard" / "streamlit_app.py"
NAIVE = ROOT / "bench" / "naive_map_page.py"
TARGET_BYTES = 1.5e6
WARM_RUNS = 3
COMPONENTS = {"streamlit_folium.st_folium", "dashboard.map_component.sinn_map"}
STREAMLIT_BUNDLE = "/static/"  # Streamlit's own frontend, the same for every app
EVENTS_TOGGLE = "Veranstaltungen anzeigen"
# Areas drawn in the map frame that were not there before ``MARK_OLD_JS``.
NEW_SHAPES_JS = (
    "document.querySelectorAll('path.leaflet-interactive:not([data-old])').length"
)
MARK_OLD_JS = """() => document.querySelectorAll('path.leaflet-interactive')
    .forEach(p => p.setAttribute('data-old', '1'))"""


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
    maps = [p for p in protos if getattr(p, "component_name", "") in COMPONENTS]
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


@dataclass
class Visits:
    """Browser figures of one server, started fresh."""

    name: str
    start_s: float = 0.0  # server start until ready (health, plus warm-up for ours)
    first_s: float = 0.0  # first visitor after the start: seconds to a visible map
    warm_s: list[float] = field(default_factory=list)
    boot_s: list[float] = field(default_factory=list)  # until the websocket opens
    ws_bytes: list[int] = field(default_factory=list)
    http_bytes: list[int] = field(default_factory=list)
    cpu_per_view: float = 0.0
    changes: dict[str, list[float]] = field(default_factory=dict)


class _Traffic:
    """Websocket bytes received and app HTTP requests of one page."""

    def __init__(self, page) -> None:
        self.ws = 0
        self.opened = 0.0  # perf_counter() when the session websocket opened
        self.requests: list = []
        page.on("websocket", self._socket)
        page.on("requestfinished", lambda r: self.requests.append(r))

    def _socket(self, ws) -> None:
        self.opened = self.opened or time.perf_counter()
        ws.on("framereceived", self._frame)

    def _frame(self, payload) -> None:
        self.ws += len(payload)

    def http(self) -> int:
        """Encoded bytes (headers + body) of every response but Streamlit's bundle."""
        total = 0
        for request in self.requests:
            if urlsplit(request.url).path.startswith(STREAMLIT_BUNDLE):
                continue
            sizes = request.sizes()
            total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        return total


def _drawn(page, shapes: int, timeout_s: float = 180):
    """The map frame once its iframe is visible with ``shapes`` new areas drawn.

    A rerun may replace the iframe: a detached frame is looked up again.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            element = page.wait_for_selector(MAP_FRAME, state="visible")
            frame = element.content_frame()
            box = element.bounding_box()
            if frame is not None and box and box["height"] >= 300:
                drawn = f"() => {NEW_SHAPES_JS} >= {shapes}"
                frame.wait_for_function(drawn, timeout=2_000)
                return frame
        except Exception:  # detached or not drawn yet: look again
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"map with {shapes} areas not drawn in {timeout_s} s")
        time.sleep(0.02)


def _visit(
    browser, url: str, shapes: int
) -> tuple[float, float, int, int, object, object]:
    """A fresh visitor: seconds to the visible map and to the websocket, bytes."""
    context = browser.new_context(viewport={"width": 1300, "height": 1100})
    page = context.new_page()
    traffic = _Traffic(page)
    start = time.perf_counter()
    page.goto(url)
    _drawn(page, shapes)
    seconds = time.perf_counter() - start
    # the whole page (a first view draws the map alone first): its bytes and CPU
    page.wait_for_function(COMPLETE_JS, timeout=180_000)
    page.wait_for_load_state("networkidle")
    boot = traffic.opened - start
    return seconds, boot, traffic.ws, traffic.http(), context, page


def _change_filter(page, shapes: int) -> float:
    """Toggle "events" in the sidebar: seconds until the map is drawn anew."""
    page.wait_for_selector(IDLE, timeout=180_000)
    _drawn(page, shapes).evaluate(MARK_OLD_JS)
    start = time.perf_counter()
    page.get_by_text(EVENTS_TOGGLE, exact=True).click()
    _drawn(page, shapes)
    seconds = time.perf_counter() - start
    page.wait_for_selector(IDLE, timeout=180_000)
    return seconds


SHAPES = {"district": 13, "municipality": 419}  # areas drawn per map level
#: set-up (see ``bench_load.setup``) -> row label; the first is the baseline
SETUPS = {
    "naive": "naive, direct",
    "naive nginx": "naive, via nginx",
    "direct": "ours, direct",
    "nginx x1": "ours, via nginx",
}


def _warm_visit(result: Visits, ps: list, visit: Callable, visits: int) -> None:
    """One measured fresh visitor: time, boot, bytes, server CPU (a share of it)."""
    from bench.bench_load import quiet_cpu

    before = quiet_cpu(ps)
    seconds, boot, ws, http, context, _page = visit()
    cpu = quiet_cpu(ps) - before
    context.close()
    result.cpu_per_view += cpu / visits
    result.warm_s.append(seconds)
    result.boot_s.append(boot)
    result.ws_bytes.append(ws)
    result.http_bytes.append(http)


def _first_visit(result: Visits, visit: Callable) -> None:
    """The first visitor after start: its time to the map only."""
    result.first_s, *_rest, context, _page = visit()
    context.close()


def _visits(result: Visits, ps: list, visit: Callable, visits: int) -> None:
    """A first visitor, then ``visits`` measured ones (time, bytes, server CPU)."""
    _first_visit(result, visit)
    for _ in range(visits):
        _warm_visit(result, ps, visit, visits)


def _filter_changes(result: Visits, browser, url: str) -> None:
    """Seconds from the events toggle to the redrawn map, on both levels."""
    for changed, count in SHAPES.items():
        *_figures, context, page = _visit(browser, f"{url}/?level={changed}", count)
        # off (a new parameter set), on (cached), off (cached)
        result.changes[changed] = [_change_filter(page, count) for _ in range(3)]
        context.close()


def measure_servers(
    names: list[str], db: Path, browser, visits: int, level: str = "municipality"
) -> dict[str, Visits]:
    """Start the set-ups side by side; first visitors, then warm visits in turns.

    In turns, one visitor per set-up a round: a noisy stretch of the machine
    falls on every set-up alike rather than on the one measured just then.
    """
    from bench.bench_load import setup

    results = {name: Visits(name) for name in names}
    shapes = SHAPES[level]
    with ExitStack() as stack:
        servers = {}
        for name in names:
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            start = time.perf_counter()
            url, procs, _own = stack.enter_context(setup(name, db, tmp))
            results[name].start_s = time.perf_counter() - start
            ps = [psutil.Process(p.pid) for p in procs]
            map_url = f"{url}/?level={level}"
            servers[name] = (url, ps, lambda u=map_url: _visit(browser, u, shapes))
        for name, (_url, _ps, visit) in servers.items():
            _first_visit(results[name], visit)
        for _ in range(visits):
            for name, (_url, ps, visit) in servers.items():
                _warm_visit(results[name], ps, visit, visits)
        if "direct" in servers and level == "municipality":
            _filter_changes(results["direct"], browser, servers["direct"][0])
    return results


def _site_visit(browser, url: str) -> tuple[float, float, int, int, object, object]:
    """A fresh visitor of the static site: seconds to the 13 drawn districts, bytes."""
    context = browser.new_context(viewport={"width": 1300, "height": 1100})
    page = context.new_page()
    traffic = _Traffic(page)
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_function(f"() => {NEW_SHAPES_JS} >= 13", timeout=180_000)
    seconds = time.perf_counter() - start
    page.wait_for_load_state("networkidle")
    return seconds, 0.0, traffic.ws, traffic.http(), context, page


def measure_site(db: Path, browser, visits: int) -> Visits:
    """The static public site (``dashboard.export_site``) from a plain web server."""
    from dashboard.export_site import export_site
    from deploy.replicas import free_port

    result = Visits("static site")
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        start = time.perf_counter()
        export_site(db, site)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
            cwd=site,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            url = f"http://127.0.0.1:{port}/index.html"
            _wait_http(url)
            result.start_s = time.perf_counter() - start
            ps = [psutil.Process(server.pid)]
            _visits(result, ps, lambda: _site_visit(browser, url), visits)
        finally:
            server.terminate()
            server.wait(timeout=10)
    return result


def _wait_http(url: str, timeout_s: float = 30) -> None:
    """Return once ``url`` answers."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _ratio(ours: float, naive: float, target: float) -> str:
    """``ours / naive`` with the target and a verdict."""
    r = ours / naive
    return f"{r:6.3f}x (target <= {target:.2f}x: {'OK' if r <= target else 'MISSED'})"


def _payload(r: Visits) -> float:
    """Median websocket plus app HTTP bytes of a fresh visit."""
    return statistics.median(r.ws_bytes) + statistics.median(r.http_bytes)


def print_visits(results: dict[str, Visits]) -> None:
    """Per set-up figures, then the targets as ratios against the naive page."""
    from bench.bench_load import views_per_minute

    cores = psutil.cpu_count()
    print(
        f"\n{'browser, ?level=municipality':<22}{'ready':>7}{'1st visit':>10}"
        f"{'warm':>7}{'boot':>7}{'app part':>9}{'websocket':>10}{'app HTTP':>10}"
        f"{'CPU/view':>10}{'views/core-min':>15}"
    )
    for name, r in results.items():
        if name not in SETUPS:
            continue
        warm, boot = statistics.median(r.warm_s), statistics.median(r.boot_s)
        row = [
            f"{SETUPS[name]:<22}{r.start_s:>6.1f}s{r.first_s:>9.2f}s",
            f"{warm:>6.2f}s{boot:>6.2f}s{warm - boot:>8.2f}s",
            f"{_mb(statistics.median(r.ws_bytes)):>10}",
            f"{_mb(statistics.median(r.http_bytes)):>10}",
            f"{r.cpu_per_view:>9.3f}s{views_per_minute(r.cpu_per_view):>15.0f}",
        ]
        print("".join(row))
    print(
        "  boot: until Streamlit's own frontend (the same bundle for every app) has"
        "\n  opened the session websocket; app part: from there to the drawn map."
    )
    naive = results["naive"]
    naive_warm = statistics.median(naive.warm_s)
    naive_app = naive_warm - statistics.median(naive.boot_s)
    print(f"\ntargets (ours / naive direct, same run; {cores} cores):")
    for name in ("direct", "nginx x1"):
        ours = results[name]
        warm = statistics.median(ours.warm_s)
        app = warm - statistics.median(ours.boot_s)
        print(f"  {SETUPS[name]}:")
        print(f"    time to map, warm         {_ratio(warm, naive_warm, 0.5)}")
        print(f"    app part of it            {_ratio(app, naive_app, 0.5)}")
        verdict = "OK" if ours.first_s <= 2 * warm else "MISSED"
        print(
            f"    first visitor after start {ours.first_s:.2f} s = "
            f"{ours.first_s / warm:.2f}x the warm time (target <= 2x: {verdict})"
        )
        payload = _ratio(_payload(ours), _payload(naive), 0.25)
        print(f"    app payload               {payload}")
        cpu_ratio = _ratio(ours.cpu_per_view, naive.cpu_per_view, 0.25)
        print(
            f"    CPU per view              {cpu_ratio}"
            f"; {ours.cpu_per_view:.3f} s (target <= 0.30 s: "
            f"{'OK' if ours.cpu_per_view <= 0.3 else 'MISSED'})"
        )
    both = results["nginx x1"].cpu_per_view / results["naive nginx"].cpu_per_view
    print(f"  CPU per view, both via nginx: ours / naive {both:.2f}x")
    print_public(results)
    for level, times in results["direct"].changes.items():
        shown = ", ".join(f"{s:.2f}" for s in times)
        verdict = "OK" if max(times[1:]) <= 1 else "MISSED"
        print(
            f"  filter change -> map, {level:<12} {shown} s (new set, cached, cached;"
            f" target warm <= 1 s: {verdict})"
        )


def print_public(results: dict[str, Visits]) -> None:
    """The public embed at district level: static site against the naive page."""
    naive, site = results["naive district"], results["static site"]
    print(
        "\npublic embed, district level (13 areas), fresh visitors:"
        f"\n  naive page, direct      warm {statistics.median(naive.warm_s):.2f} s,"
        f" payload {_mb(_payload(naive))}, CPU/view {naive.cpu_per_view:.3f} s"
        f"\n  static site, web server warm {statistics.median(site.warm_s):.2f} s,"
        f" payload {_mb(_payload(site))}, CPU/view {site.cpu_per_view:.3f} s"
    )
    time_ratio = statistics.median(site.warm_s) / statistics.median(naive.warm_s)
    print(
        f"  static / naive: time to map {time_ratio:.2f}x,"
        f" payload {_payload(site) / _payload(naive):.2f}x (no Python per visitor)"
    )


def browser_figures(db: Path, visits: int) -> None:
    """Fresh servers of the naive page and of the app, measured in Chromium."""
    from playwright.sync_api import sync_playwright

    from bench.live_server import CHROMIUM, CHROMIUM_ARGS
    from dashboard.assets import ensure_vendor

    ensure_vendor()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            results = measure_servers(list(SETUPS), db, browser, visits)
            naive = measure_servers(["naive"], db, browser, visits, "district")
            results["naive district"] = naive["naive"]
            results["static site"] = measure_site(db, browser, visits)
        finally:
            browser.close()
    print_visits(results)


def main() -> None:
    """Build (or use) a demo database and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", type=Path, help="existing database (default: build demo)"
    )
    parser.add_argument(
        "--browser", action="store_true", help="also measure in Chromium"
    )
    parser.add_argument("--visits", type=int, default=3, help="warm visits, 1-10")
    parser.add_argument(
        "--no-apptest", action="store_true", help="only the browser figures"
    )
    args = parser.parse_args()
    if not 1 <= args.visits <= 10:
        parser.error("--visits must be between 1 and 10")
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db
        if db is None:
            from etl.build import build
            from etl.fetch import fetch

            fetch()
            db = Path(tmp) / "sinn.duckdb"
            build(db, demo=True)
        os.environ["SINN_DB"] = str(db)
        if not args.no_apptest:
            print_rows(apptest_rows())
        if args.browser:
            browser_figures(db, args.visits)


if __name__ == "__main__":
    main()
