"""Two Streamlit replicas behind nginx on loopback: headers, stickiness, failover.

nginx (Debian's, run unprivileged by ``deploy.nginx.run_nginx``) proxies two
real ``streamlit run`` replicas on the demo database. The access log of that
nginx (``route|replica(s) tried|status|uri``) tells which replica served
which visitor.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from bench.live_server import TIMEOUT_MS, Recorder, settle, wait_for_map
from deploy.nginx import Nginx, render_site, run_nginx
from deploy.replicas import ROOT, Replica, free_port, replicas, stop

CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; "
    "style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob: https://tile.openstreetmap.org; "
    "font-src 'self' data:; connect-src 'self'; frame-src 'self'; "
    "worker-src 'self' blob:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'self'"
)
SECURITY = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
ERRORS = "[data-testid='stException'], [data-testid='stAlertContentError']"
METRIC = "[data-testid='stMetric']"
# The demo data's public initiatives, as the Karte KPI row shows them
# (200 generated, 10 of them not public; see tests/test_pages.py).
PUBLIC_INITIATIVES = "190"
VIOLATION = """src => new Promise(resolve => {
    document.addEventListener('securitypolicyviolation',
        e => resolve([e.effectiveDirective, e.blockedURI]), {once: true});
    const s = document.createElement('script');
    s.src = src;
    document.head.appendChild(s);
})"""


@dataclass
class Cluster:
    """nginx in front of the replicas."""

    nginx: Nginx
    replicas: list[Replica]

    def log(self) -> list[tuple[str, str, int, str]]:
        """Access log rows: route key, replicas tried, status, URI."""
        rows = []
        text = (self.nginx.prefix / "logs" / "access.log").read_text()
        for line in text.splitlines():
            route, upstream, status, uri = line.split("|", 3)
            rows.append((route, upstream, int(status), uri))
        return rows

    def logged(self, route: str, uri: str | None = None) -> list[tuple[str, int]]:
        """(replicas tried, status) of the proxied requests of ``route`` [to ``uri``].

        nginx writes a line just after the response (a websocket's when it
        closes): wait up to 10 s for the first one.
        """
        deadline = time.monotonic() + 10
        while True:
            rows = [
                (up, status)
                for r, up, status, u in self.log()
                if r == route and up != "-" and uri in (None, u)
            ]
            if rows or time.monotonic() > deadline:
                return rows
            time.sleep(0.05)

    def replica_of(self, route: str) -> str:
        """The replica that served the last request with cookie ``route``."""
        served = self.logged(route)
        assert served, f"no request with route {route}"
        return served[-1][0].split(", ")[-1]


def _require_nginx() -> None:
    """Skip without nginx (fail on CI, which must install it)."""
    if shutil.which(os.environ.get("SINN_NGINX", "nginx")) is None:
        if os.environ.get("CI"):
            pytest.fail("CI must install nginx; see .ci/run")
        pytest.skip("no nginx on PATH (apt-get install nginx)")


@pytest.fixture(scope="module")
def cluster(
    demo_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    """Two replicas on the demo database behind nginx on a free port."""
    _require_nginx()
    logs = tmp_path_factory.mktemp("replicas")
    with ExitStack() as stack:
        reps = stack.enter_context(replicas(demo_db, 2, logs))
        nginx = stack.enter_context(run_nginx([r.address for r in reps], free_port()))
        yield Cluster(nginx, reps)


def _get(url: str, route: str | None = None, **headers: str):
    """A GET request's response (status, headers, body), optional route cookie."""
    if route:
        headers["Cookie"] = f"sinn_route={route}"
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as r:
        return r.status, r.headers, r.read()


def test_render_site_fills_every_placeholder(tmp_path: Path) -> None:
    """One upstream line per replica, the listen address, no placeholder left."""
    site = render_site(["127.0.0.1:8501", "127.0.0.1:8502"], "8080", tmp_path)
    assert site.count("    server 127.0.0.1:850") == 2
    assert "listen 8080;" in site and "@@" not in site
    with pytest.raises(ValueError, match="upstreams"):
        render_site([], "8080", tmp_path)


def test_security_headers_on_every_kind_of_response(cluster: Cluster) -> None:
    """Page, app bundle, Leaflet, health, a 404: the three headers, once each."""
    base = cluster.nginx.url
    status, headers, body = _get(f"{base}/")
    assert status == 200
    bundle = re.search(rb'src="\./(static/js/index\.[0-9a-zA-Z_-]+\.js)"', body)
    assert bundle is not None, body[:500]
    for path in (
        "/",
        "/" + bundle.group(1).decode(),
        "/app/static/vendor/leaflet/leaflet.js",
        "/_stcore/health",
    ):
        _status, headers, _body = _get(base + path)
        for name, value in SECURITY.items():
            assert headers.get_all(name) == [value], (path, name)
    # Error responses carry them too ("always"); the map iframe's: browser test.
    with pytest.raises(urllib.error.HTTPError) as err:
        _get(f"{base}/app/static/none.js")
    assert err.value.code == 404
    for name, value in SECURITY.items():
        assert err.value.headers.get_all(name) == [value], name


def test_cache_gzip_cookie_and_health(cluster: Cluster) -> None:
    """Hashed bundle immutable and cached by nginx, gzip, route cookie, health."""
    base = cluster.nginx.url
    _status, headers, body = _get(f"{base}/")
    cookie = headers["Set-Cookie"]
    assert re.fullmatch(
        r"sinn_route=[0-9a-f]{32}; Path=/; HttpOnly; SameSite=Lax", cookie
    )
    assert (
        headers["Cache-Control"] is None or "immutable" not in headers["Cache-Control"]
    )
    route = cookie.split(";")[0].split("=")[1]
    # A visitor who has the cookie gets no new one.
    assert _get(f"{base}/", route)[1]["Set-Cookie"] is None
    bundle = re.search(rb'src="\./(static/js/index\.[0-9a-zA-Z_-]+\.js)"', body)
    url = f"{base}/{bundle.group(1).decode()}"
    first = _get(url, route, **{"Accept-Encoding": "gzip"})
    second = _get(url, route, **{"Accept-Encoding": "gzip"})
    assert first[1]["Cache-Control"] == "public, max-age=31536000, immutable"
    assert second[1]["X-Cache"] == "HIT"
    assert second[1]["Content-Encoding"] == "gzip"
    assert gzip.decompress(second[2])[:1000] == gzip.decompress(first[2])[:1000]
    leaflet = _get(f"{base}/app/static/vendor/leaflet/leaflet.js", route)
    assert leaflet[1]["Cache-Control"] == "public, max-age=3600"
    assert _get(f"{base}/_stcore/health", route)[2] == b"ok"


def test_sticky_routes_spread_over_both_replicas(cluster: Cluster) -> None:
    """Each route key always reaches one replica; 40 keys use both replicas."""
    routes = [uuid.uuid4().hex for _ in range(40)]
    for route in routes:
        for _ in range(3):
            _get(f"{cluster.nginx.url}/_stcore/health", route)
    served: dict[str, set[str]] = {}
    for route, upstream, status, _uri in cluster.log():
        if route in routes:
            assert status == 200
            served.setdefault(route, set()).add(upstream)
    assert all(len(ups) == 1 for ups in served.values()) and len(served) == 40
    assert set.union(*served.values()) == {r.address for r in cluster.replicas}


def _routes_by_replica(cluster: Cluster, per_replica: int) -> dict[str, list[str]]:
    """Route cookie values that hash to each replica, ``per_replica`` each."""
    found: dict[str, list[str]] = {r.address: [] for r in cluster.replicas}
    for _ in range(200):
        if all(len(v) >= per_replica for v in found.values()):
            break
        route = uuid.uuid4().hex
        _get(f"{cluster.nginx.url}/_stcore/health", route)
        replica = cluster.replica_of(route)
        if len(found[replica]) < per_replica:
            found[replica].append(route)
    assert all(len(v) == per_replica for v in found.values()), found
    return found


def _visit(browser, base: str, route: str | None):
    """A visitor's page and map frame once drawn; ``route`` presets the cookie."""
    context = browser.new_context(viewport={"width": 1300, "height": 1400})
    if route:
        context.add_cookies([{"name": "sinn_route", "value": route, "url": base}])
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.recorder = Recorder(page)
    page.goto(f"{base}/")
    frame_el, frame = wait_for_map(page, 13)
    settle(page)
    box = frame_el.bounding_box()
    assert box is not None and box["height"] > 300
    assert page.locator(METRIC).first.inner_text().split() == [
        "Initiativen",
        PUBLIC_INITIATIVES,
    ]
    return page, frame


def _assert_clean(page) -> None:
    """No Streamlit error box, no script error, nothing fetched from elsewhere."""
    assert page.locator(ERRORS).count() == 0, page.locator(ERRORS).all_inner_texts()
    assert page.recorder.errors == [] and page.recorder.dialogs == []
    assert page.recorder.external() == []


@pytest.mark.browser
def test_csp_keeps_the_map_and_blocks_other_origins(cluster: Cluster, browser) -> None:
    """Through nginx the map is drawn; a script from another origin is refused.

    127.0.0.2 is another origin on loopback: the page and the map iframe (which
    gets the header with its own response) both refuse it before any request.
    """
    page, frame = _visit(browser, cluster.nginx.url, None)
    _assert_clean(page)
    foreign = f"http://127.0.0.2:{free_port()}/evil.js"
    for target in (page, frame):
        with page.expect_event("requestfailed") as failed:
            assert target.evaluate(VIOLATION, foreign) == ["script-src-elem", foreign]
        assert (failed.value.url, failed.value.failure) == (foreign, "csp")
    page.context.close()


@pytest.mark.browser
def test_replica_killed_mid_run(cluster: Cluster, browser) -> None:
    """SIGKILL one replica: its peers' visitors and new visitors see no error.

    It leaves one replica of the module's cluster dead: keep it after the other
    tests that use ``cluster``.
    """
    base = cluster.nginx.url
    routes = _routes_by_replica(cluster, 2)
    victim, survivor = cluster.replicas
    pages = {
        route: _visit(browser, base, route)[0]
        for address in routes
        for route in routes[address]
    }
    # Every request of a visitor went to the replica its cookie hashes to
    # ("-": answered from nginx's cache).
    for address, keys in routes.items():
        for route in keys:
            served = {up for r, up, _s, _u in cluster.log() if r == route}
            assert served - {"-"} == {address}

    stop(victim.proc, signal.SIGKILL)
    assert victim.proc.returncode == -signal.SIGKILL
    killed_at = len(cluster.log())

    # Visitors of the survivor keep working: a filter change reruns and redraws.
    for route in routes[survivor.address]:
        page = pages[route]
        page.get_by_text("Veranstaltungen anzeigen").click()
        page.wait_for_url("**events=0**")
        wait_for_map(page, 13)
        settle(page)
        _assert_clean(page)
    # New visitors (no cookie yet) reach the survivor.
    for _ in range(2):
        page, _frame = _visit(browser, base, None)
        _assert_clean(page)
        cookies = {c["name"]: c["value"] for c in page.context.cookies(base)}
        route = cookies["sinn_route"]
        assert cluster.replica_of(route) == survivor.address
        page.context.close()
    # After the kill, errors only for the killed replica's own visitors.
    victims = set(routes[victim.address])
    failed = [row for row in cluster.log()[killed_at:] if row[2] >= 500]
    assert [row for row in failed if row[0] not in victims] == []
    assert _get(f"{base}/_stcore/health")[2] == b"ok"
    for page in pages.values():
        page.context.close()
    # nginx logs a websocket when it closes: the survivor's visitors kept theirs.
    for route in routes[survivor.address]:
        sockets = cluster.logged(route, "/_stcore/stream")
        assert sockets == [(survivor.address, 101)], (route, sockets)


def _until(condition, what: str, timeout: float = 120):
    """Poll ``condition`` until it returns a true value; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"not within {timeout} s: {what}")


def _replica_pids(launcher: psutil.Process) -> dict[int, str]:
    """pid -> port of the launcher's streamlit children."""
    out = {}
    for child in launcher.children():
        try:
            cmd = child.cmdline()
        except psutil.NoSuchProcess:  # the killed one, until the launcher reaps it
            continue
        if "streamlit" in cmd:
            out[child.pid] = cmd[cmd.index("--server.port") + 1]
    return out


def _health(url: str) -> bool:
    """Whether ``url`` answers its health check with "ok"."""
    try:
        return _get(f"{url}/_stcore/health")[2] == b"ok"
    except OSError:
        return False


def test_launcher_restarts_a_killed_replica_and_stops_cleanly(demo_db: Path) -> None:
    """``python -m deploy``: 2 replicas behind nginx; SIGKILL one, it comes back."""
    _require_nginx()
    port = free_port()
    cmd = [sys.executable, "-m", "deploy", "--replicas", "2", "--port", str(port)]
    proc = subprocess.Popen(
        [*cmd, "--db", str(demo_db)], cwd=ROOT, stdout=subprocess.DEVNULL
    )
    try:
        launcher = psutil.Process(proc.pid)
        url = f"http://127.0.0.1:{port}"
        _until(lambda: _health(url), "nginx answers")
        _until(lambda: len(_replica_pids(launcher)) == 2, "2 replicas")
        pids = _replica_pids(launcher)
        victim, victim_port = next(iter(pids.items()))
        os.kill(victim, signal.SIGKILL)
        _until(
            lambda: (
                victim_port in _replica_pids(launcher).values()
                and victim not in _replica_pids(launcher)
            ),
            "replica restarted on its port",
        )
        _until(lambda: _health(f"http://127.0.0.1:{victim_port}"), "restarted up")
        children = launcher.children(recursive=True)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
        _until(
            lambda: not any(p.is_running() for p in children), "children stopped", 30
        )
        assert not _health(url)
    finally:
        stop(proc)
