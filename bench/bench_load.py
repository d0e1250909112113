"""Load on the server: CPU per fresh map view and time to map, direct and via nginx.

Three set-ups serve the demo database on loopback, each started fresh:

- ``naive``: the naive streamlit-folium page (``bench/naive_map_page.py``, the
  baseline of ``bench_dashboard.py``), one server;
- ``direct``: the app, one server;
- ``nginx x2``: the app as two replicas behind nginx (``deploy/``).

For each: one warm-up visit, then ``--visits`` sequential fresh visitors (own
browser context, municipality map ``?level=municipality``) whose server CPU
(user + system of the server processes, nginx included, via psutil, read once
the servers have gone quiet after the visit) is divided by the visits: CPU
seconds per view, views per core-minute and the capacity of this machine's
cores. Then ``--concurrent`` visitors at once, time until the map is visible
(the st_folium iframe has a height and the 419 municipality shapes are drawn):
p50 and p95. Ratios against the naive baseline of the same run. The browsers
run on the same machine, so the concurrent timings include their work; the
CPU figures do not.

Run from the project root: ``.venv/bin/python -m bench.bench_load [--visits 3]
[--concurrent 5] [--timeout 900] [--db PATH]``. Loopback only; bounded in
visitors (at most 10 at once) and in time (``--timeout`` for each set-up).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from bench.live_server import COMPLETE_JS, MAP_FRAME

ROOT = Path(__file__).resolve().parents[1]

NAIVE = ROOT / "bench" / "naive_map_page.py"
CHROMIUM = os.environ.get("SINN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
MAX_CONCURRENT = 10
STEP_MS = 180_000  # one visit may wait this long on a busy 2-core machine
DRAWN = "() => document.querySelectorAll('path.leaflet-interactive').length >= 419"
QUIET_CPU_S = 0.02  # servers count as idle when they use less in QUIET_WINDOW_S
QUIET_WINDOW_S = 0.5


@dataclass
class Result:
    """Figures of one set-up."""

    name: str
    cpu_per_view: float = 0.0
    to_map: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def cpu_s(procs: list[psutil.Process]) -> float:
    """User plus system CPU seconds of ``procs`` and their children so far."""
    total = 0.0
    for proc in procs:
        for p in (proc, *proc.children(recursive=True)):
            try:
                times = p.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system
    return total


def quiet_cpu(procs: list[psutil.Process], timeout: float = 30) -> float:
    """CPU seconds so far, read once the servers have stopped working."""
    deadline = time.monotonic() + timeout
    last = cpu_s(procs)
    while time.monotonic() < deadline:
        time.sleep(QUIET_WINDOW_S)
        now = cpu_s(procs)
        if now - last < QUIET_CPU_S:
            return now
        last = now
    return last


async def visit(browser, url: str) -> float:
    """A fresh visitor: seconds until the map is visible; waits for the idle app."""
    context = await browser.new_context(viewport={"width": 1300, "height": 1100})
    page = await context.new_page()
    page.set_default_timeout(STEP_MS)
    try:
        start = time.perf_counter()
        await page.goto(url)
        deadline = time.monotonic() + STEP_MS / 1000
        while True:
            try:
                element = await page.wait_for_selector(MAP_FRAME, state="visible")
                frame = await element.content_frame()
                if frame is None:
                    raise RuntimeError("map iframe detached")
                await frame.wait_for_function(DRAWN, timeout=10_000)
                break
            except Exception:
                # a rerun replaces the iframe: look it up again until the deadline
                if time.monotonic() > deadline:
                    raise
        seconds = time.perf_counter() - start
        await page.wait_for_function(COMPLETE_JS)  # the whole page, for its CPU
        return seconds
    finally:
        await context.close()


async def _measure(
    url: str, warm: list[str], procs: list[psutil.Process], args
) -> Result:
    """Warm-up of every server, sequential visits with CPU, concurrent visits."""
    from playwright.async_api import async_playwright

    result = Result("")
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for server in warm:  # first run: imports, caches
                await visit(browser, f"{server}/?level=municipality")
            if url not in warm:  # and nginx's cache of the frontend files
                await visit(browser, url)
            before = quiet_cpu(procs)
            for _ in range(args.visits):
                await visit(browser, url)
            result.cpu_per_view = (quiet_cpu(procs) - before) / args.visits
            tasks = [visit(browser, url) for _ in range(args.concurrent)]
            for outcome in await asyncio.gather(*tasks, return_exceptions=True):
                if isinstance(outcome, BaseException):
                    line = str(outcome).splitlines()[0][:200] if str(outcome) else ""
                    result.errors.append(f"{type(outcome).__name__}: {line}")
                else:
                    result.to_map.append(outcome)
        finally:
            await browser.close()
    return result


@contextmanager
def setup(name: str, db: Path, tmp: Path) -> Iterator[tuple[str, list, list[str]]]:
    """Base URL, server processes and the servers' own URLs of one set-up.

    ``name``: ``naive`` or ``direct`` (one server), ``nginx xN`` (N app replicas
    behind nginx) or ``naive nginx`` (the naive page behind the same nginx).
    Everything is stopped on exit.
    """
    from deploy.nginx import run_nginx
    from deploy.replicas import free_port, replicas, start_replica, stop, wait_healthy

    with ExitStack() as stack:
        if name.startswith("naive"):
            # The baseline needs static/ beside its script to get the same assets.
            folder = tmp / "naive"
            folder.mkdir()
            (folder / NAIVE.name).write_text(NAIVE.read_text())
            (folder / "static").symlink_to(ROOT / "dashboard" / "static")
            r = start_replica(db, tmp / "naive.log", script=folder / NAIVE.name)
            stack.callback(stop, r.proc)
            wait_healthy(r.url, r.proc)
            reps = [r]
        else:
            count = int(name.rpartition("x")[2]) if name.startswith("nginx") else 1
            reps = stack.enter_context(replicas(db, count, tmp))
        procs = [r.proc for r in reps]
        urls = [r.url for r in reps]
        if "nginx" not in name:
            yield urls[0], procs, urls
            return
        nginx = stack.enter_context(run_nginx([r.address for r in reps], free_port()))
        yield nginx.url, [*procs, nginx.proc], urls


def run_setup(name: str, db: Path, args) -> Result:
    """Start one set-up fresh, measure it, stop it."""
    from dashboard.assets import ensure_vendor

    ensure_vendor()
    with tempfile.TemporaryDirectory() as tmp, setup(name, db, Path(tmp)) as served:
        url, ps, warm = served
        procs = [psutil.Process(p.pid) for p in ps]
        coro = _measure(f"{url}/?level=municipality", warm, procs, args)
        result = asyncio.run(asyncio.wait_for(coro, args.timeout))
    result.name = name
    return result


def _quantiles(values: list[float]) -> str:
    """p50 and p95 (inclusive method) of the measured values."""
    if len(values) < 2:
        return "too few measurements"
    p95 = statistics.quantiles(values, n=20, method="inclusive")[18]
    return f"p50 {statistics.median(values):5.2f} s  p95 {p95:5.2f} s"


def views_per_minute(cpu_per_view: float) -> float:
    """Fresh map views one core serves per minute at ``cpu_per_view`` seconds."""
    return 60 / cpu_per_view if cpu_per_view else float("inf")


def report(results: list[Result]) -> None:
    """The table and the ratios against the naive baseline."""
    cores = psutil.cpu_count()
    head = f"capacity ({cores} cores)"
    print(
        f"{'set-up':<10}{'CPU/view':>10}{'views/core-min':>16}{head:>26}"
        "  time to map, concurrent"
    )
    for r in results:
        per_min = views_per_minute(r.cpu_per_view)
        print(
            f"{r.name:<10}{r.cpu_per_view:>9.3f}s{per_min:>16.0f}"
            f"{cores * per_min:>17.0f} views/min  {_quantiles(r.to_map)}"
            f" ({len(r.to_map)} ok, {len(r.errors)} errors)"
        )
        for error in r.errors[:5]:
            print(f"  {r.name}: {error}")
    by = {r.name: r for r in results}
    naive = by["naive"]
    print("\nratio against the naive baseline (same run):")
    for name in ("direct", "nginx x2"):
        r = by[name]
        p50 = statistics.median(r.to_map) / statistics.median(naive.to_map)
        print(
            f"  {name:<10}CPU per view {r.cpu_per_view / naive.cpu_per_view:5.2f}"
            f"   p50 time to map {p50:5.2f}"
        )
    direct, proxied = by["direct"], by["nginx x2"]
    p50 = statistics.median(proxied.to_map) / statistics.median(direct.to_map)
    cpu = proxied.cpu_per_view / direct.cpu_per_view
    print(f"nginx x2 / direct: CPU per view {cpu:5.2f}   p50 time to map {p50:5.2f}")
    print("target: CPU per view <= 0.30 s and <= 0.25x the baseline's")


def main() -> None:
    """Build (or use) a demo database, measure the three set-ups, report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=3, help="sequential, for CPU")
    parser.add_argument("--concurrent", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=900, help="per set-up, s")
    parser.add_argument("--db", type=Path, help="existing database (default: demo)")
    args = parser.parse_args()
    if not 1 <= args.visits <= MAX_CONCURRENT:
        parser.error(f"--visits must be between 1 and {MAX_CONCURRENT}")
    if not 2 <= args.concurrent <= MAX_CONCURRENT:
        parser.error(f"--concurrent must be between 2 and {MAX_CONCURRENT}")
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db
        if db is None:
            from etl.build import build
            from etl.fetch import fetch

            fetch()
            db = Path(tmp) / "sinn.duckdb"
            build(db, demo=True)
        results = [
            run_setup(name, db, args) for name in ("naive", "direct", "nginx x2")
        ]
    report(results)


if __name__ == "__main__":
    main()
