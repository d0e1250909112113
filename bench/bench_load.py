"""Many visitors at once: N concurrent headless-browser sessions against one server.

Starts ``streamlit run`` on a free 127.0.0.1 port with a demo database built
into a temporary folder, then drives N sessions (one Chromium, one context per
session) at the same time. Each session loads the map page and waits until the
map is drawn (Leaflet paths inside the st_folium iframe), switches the events
filter off in the sidebar (a rerun; the URL gains ``events=0``) and opens the
Daten page via the navigation until its tables are there.

Prints the errors (target 0), p50/p95 of the time to a drawn map and of the
other two steps, the server's memory (RSS of the streamlit process and its
children) before, at peak and after, and the server's CPU time (the browsers
run on the same machine and take the rest). Loopback only; bounded in sessions
and time (``--timeout`` for the whole run). Stops the server itself.

Run from the project root: ``.venv/bin/python -m bench.bench_load
[--sessions 20] [--timeout 600] [--db PATH]``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from bench.live_server import (
    CHROMIUM,
    CHROMIUM_ARGS,
    IDLE,
    MAP_FRAME,
    demo_database,
    serve,
)

MAX_SESSIONS = 50
STEP_MS = 180_000  # one step may wait this long on a busy 2-core machine
SHAPES = "document.querySelectorAll('path.leaflet-interactive').length >= 13"
EVENTS_TOGGLE = "Veranstaltungen anzeigen"
TABLE = "[data-testid='stDataFrame']"
ERRORS = "[data-testid='stException'], [data-testid='stAlertContentError']"


@dataclass
class Session:
    """Timings (seconds) and errors of one simulated visitor."""

    number: int
    to_map: float | None = None
    filter_change: float | None = None
    to_daten: float | None = None
    errors: list[str] = field(default_factory=list)


def _tree(proc: psutil.Process) -> list[psutil.Process]:
    """``proc`` and all its children."""
    return [proc, *proc.children(recursive=True)]


def rss_mb(proc: psutil.Process) -> float:
    """Resident memory of ``proc`` and all its children, in MB."""
    total = 0
    for p in _tree(proc):
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total / 2**20


def cpu_s(proc: psutil.Process) -> float:
    """User plus system CPU seconds of ``proc`` and its children so far."""
    total = 0.0
    for p in _tree(proc):
        try:
            times = p.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


class PeakMemory(threading.Thread):
    """Samples the server's RSS every half second; keeps the maximum."""

    def __init__(self, proc: psutil.Process) -> None:
        super().__init__(daemon=True)
        self.proc, self.peak = proc, rss_mb(proc)
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.5):
            self.peak = max(self.peak, rss_mb(self.proc))


async def _drawn_map(page) -> None:
    """Wait until the (possibly replaced) map iframe shows its Leaflet paths."""
    deadline = time.monotonic() + STEP_MS / 1000
    while True:
        try:
            element = await page.wait_for_selector(MAP_FRAME, timeout=STEP_MS)
            frame = await element.content_frame()
            await frame.wait_for_function(SHAPES, timeout=10_000)
            return
        except Exception:
            # a rerun detaches the old iframe: look it up again until the deadline
            if time.monotonic() > deadline:
                raise


async def _check_page(page, s: Session, step: str) -> None:
    """Record a Streamlit error box shown after ``step``."""
    shown = await page.locator(ERRORS).count()
    if shown:
        texts = await page.locator(ERRORS).all_inner_texts()
        s.errors.append(f"{step}: {texts[0][:200]}")


async def visit(browser, url: str, s: Session) -> None:
    """One visitor: map, filter change, Daten page."""
    context = await browser.new_context(viewport={"width": 1300, "height": 1100})
    page = await context.new_page()
    page.set_default_timeout(STEP_MS)
    page.on("pageerror", lambda e: s.errors.append(f"script error: {e}"))
    try:
        start = time.perf_counter()
        await page.goto(f"{url}/")
        await _drawn_map(page)
        s.to_map = time.perf_counter() - start
        await page.wait_for_selector(IDLE)
        await _check_page(page, s, "map")

        start = time.perf_counter()
        await page.get_by_text(EVENTS_TOGGLE).click()
        await page.wait_for_url("**events=0**")
        await page.wait_for_selector(IDLE)
        await _drawn_map(page)
        s.filter_change = time.perf_counter() - start
        await _check_page(page, s, "filter")

        start = time.perf_counter()
        await page.get_by_role("link", name="Daten").click()
        await page.wait_for_url("**/daten**")
        await page.wait_for_selector(TABLE)
        await page.wait_for_selector(IDLE)
        s.to_daten = time.perf_counter() - start
        await _check_page(page, s, "daten")
    except Exception as exc:  # every failure of a visitor is a counted error
        s.errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
    finally:
        await context.close()


async def drive(url: str, n: int, timeout: float) -> tuple[list[Session], float]:
    """Run ``n`` visitors at once; sessions still running at ``timeout`` fail."""
    from playwright.async_api import async_playwright

    sessions = [Session(i) for i in range(n)]
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        start = time.perf_counter()
        tasks = [asyncio.create_task(visit(browser, url, s)) for s in sessions]
        _done, pending = await asyncio.wait(tasks, timeout=timeout)
        for task in pending:
            task.cancel()
        for s, task in zip(sessions, tasks, strict=True):
            if task in pending:
                s.errors.append(f"not finished within {timeout:.0f} s")
        wall = time.perf_counter() - start
        await browser.close()
    return sessions, wall


def _quantiles(values: list[float]) -> str:
    """ "p50 x s, p95 y s, max z s" of the values that were measured."""
    if not values:
        return "no measurement"
    if len(values) == 1:
        return f"p50 {values[0]:.2f} s"
    cuts = statistics.quantiles(values, n=20, method="inclusive")
    p50, p95, top = statistics.median(values), cuts[18], max(values)
    return f"p50 {p50:.2f} s, p95 {p95:.2f} s, max {top:.2f} s"


def report(sessions: list[Session], wall: float, memory: dict[str, float]) -> None:
    """Print errors, timings and memory."""
    errors = [(s.number, e) for s in sessions for e in s.errors]
    print(f"sessions            {len(sessions)} concurrent, wall time {wall:.1f} s")
    print(f"errors              {len(errors)} (target 0)")
    for number, error in errors[:10]:
        print(f"  session {number}: {error}")
    for label, attr in (
        ("time to drawn map", "to_map"),
        ("filter change", "filter_change"),
        ("open Daten", "to_daten"),
    ):
        values = [getattr(s, attr) for s in sessions if getattr(s, attr) is not None]
        print(f"{label:<20}{_quantiles(values)} ({len(values)} measured)")
    print(
        f"server RSS          before {memory['before']:.0f} MB, "
        f"peak {memory['peak']:.0f} MB, after {memory['after']:.0f} MB"
    )
    # The browsers share the machine: the rest of the wall time is client work.
    print(
        f"server CPU          {memory['cpu']:.1f} s over {wall:.1f} s wall "
        f"({memory['cpu'] / wall:.2f} cores of {psutil.cpu_count()})"
    )


def main() -> None:
    """Build (or use) a demo database, serve it, drive the sessions, report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=600, help="whole run, s")
    parser.add_argument("--db", type=Path, help="existing database (default: demo)")
    args = parser.parse_args()
    if not 1 <= args.sessions <= MAX_SESSIONS:
        parser.error(f"--sessions must be between 1 and {MAX_SESSIONS}")
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or demo_database(Path(tmp))
        with serve(db, Path(tmp) / "server.log") as (url, proc):
            server = psutil.Process(proc.pid)
            memory = {"before": rss_mb(server)}
            cpu_before = cpu_s(server)
            sampler = PeakMemory(server)
            sampler.start()
            sessions, wall = asyncio.run(drive(url, args.sessions, args.timeout))
            sampler.done.set()
            sampler.join()
            memory |= {
                "peak": sampler.peak,
                "after": rss_mb(server),
                "cpu": cpu_s(server) - cpu_before,
            }
        report(sessions, wall, memory)


if __name__ == "__main__":
    main()
