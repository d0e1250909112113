"""The nginx configuration for N replicas, and nginx run as an unprivileged process.

``render_site`` fills ``sinn.conf.template`` (an http-context snippet for a
system nginx, e.g. ``/etc/nginx/conf.d/``); ``run_nginx`` wraps it in a minimal
main configuration with its own prefix, pid, log and temp folders and starts
Debian's ``nginx`` in the foreground, as user ``nobody`` when started as root.

``python -m deploy.nginx --upstream 127.0.0.1:8501 --upstream 127.0.0.1:8502
--listen 80 --headers /etc/nginx/snippets/sinn_security_headers.conf`` prints
the snippet (see the README).
"""

from __future__ import annotations

import argparse
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

__all__ = ["HEADERS_FILE", "TEMPLATE", "Nginx", "render_site", "run_nginx"]

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "sinn.conf.template"
HEADERS_FILE = HERE / "security_headers.conf"
NGINX = os.environ.get("SINN_NGINX", "nginx")
#: Basemap tiles the Karte page may load when a visitor chooses OpenStreetMap.
OSM_TILES = "https://tile.openstreetmap.org"
MAIN_CONF = """\
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include {mime_types};
    default_type application/octet-stream;
    # Route key, replica(s) tried, status: which replica served whom.
    log_format sinn '$sinn_route|$upstream_addr|$status|$request_uri';
    access_log {prefix}/logs/access.log sinn;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    include {prefix}/sinn.conf;
}}
"""


def render_site(
    upstreams: Sequence[str],
    listen: str,
    cache_path: Path,
    headers: Path = HEADERS_FILE,
    frame_ancestors: Sequence[str] = ("'self'",),
    tile_origins: Sequence[str] = (OSM_TILES,),
) -> str:
    """The filled template: one ``server`` line per ``host:port`` upstream."""
    if not upstreams:
        raise ValueError("upstreams: at least one replica address is needed")
    servers = "\n".join(
        f"    server {u} max_fails=1 fail_timeout=10s;" for u in upstreams
    )
    values = {
        "UPSTREAM_SERVERS": servers,
        "LISTEN": listen,
        "CACHE_PATH": str(cache_path),
        "HEADERS": str(headers),
        "FRAME_ANCESTORS": " ".join(frame_ancestors),
        "TILE_ORIGINS": "".join(f" {o}" for o in tile_origins),
    }
    text = TEMPLATE.read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace(f"@@{key}@@", value)
    if "@@" in text:
        raise ValueError(f"{TEMPLATE.name}: unfilled placeholder in the template")
    return text


def _mime_types() -> Path:
    """Debian's mime.types of nginx."""
    return Path(os.environ.get("SINN_NGINX_MIME", "/etc/nginx/mime.types"))


def _unprivileged() -> dict:
    """Popen arguments that drop root to ``nobody``; none when not root."""
    if os.geteuid() != 0:
        return {}
    nobody = pwd.getpwnam("nobody")
    return {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}


def _chown_tree(folder: Path, uid: int, gid: int) -> None:
    """Give ``folder`` and everything in it to ``uid``:``gid``."""
    for path in (folder, *folder.rglob("*")):
        os.chown(path, uid, gid)


def _wait_up(url: str, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    """Block until nginx answers on ``url`` (any HTTP status counts)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"nginx exited with {proc.returncode}: {log.read_text()}"
            )
        try:
            urllib.request.urlopen(f"{url}/nginx-probe", timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nginx not answering on {url} after {timeout} s")


@dataclass
class Nginx:
    """A running nginx: base URL, process and its prefix folder (logs/)."""

    url: str
    proc: subprocess.Popen
    prefix: Path


def _prepare(upstreams: Sequence[str], port: int, prefix: Path) -> None:
    """Write nginx.conf, sinn.conf and the header file into ``prefix``."""
    for sub in ("logs", "tmp", "cache"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    headers = prefix / HEADERS_FILE.name
    shutil.copyfile(HEADERS_FILE, headers)
    site = render_site(upstreams, f"127.0.0.1:{port}", prefix / "cache", headers)
    (prefix / "sinn.conf").write_text(site, encoding="utf-8")
    main = MAIN_CONF.format(prefix=prefix, mime_types=_mime_types())
    (prefix / "nginx.conf").write_text(main, encoding="utf-8")


@contextmanager
def run_nginx(
    upstreams: Sequence[str], port: int, timeout: float = 20
) -> Iterator[Nginx]:
    """nginx on 127.0.0.1:``port`` with a temporary prefix; stopped and removed on exit.

    The prefix is a fresh folder in the system temp dir (not inside a folder
    of root's) so that ``nobody`` can use it.
    """
    prefix = Path(tempfile.mkdtemp(prefix="sinn-nginx-"))
    try:
        _prepare(upstreams, port, prefix)
        drop = _unprivileged()
        if drop:
            _chown_tree(prefix, drop["user"], drop["group"])
        log = prefix / "logs" / "error.log"
        conf = prefix / "nginx.conf"
        cmd = [NGINX, "-p", str(prefix), "-e", str(log), "-c", str(conf)]
        check = subprocess.run([*cmd, "-t", "-q"], capture_output=True, **drop)
        if check.returncode:
            raise RuntimeError(f"nginx -t failed: {check.stderr.decode()}")
        proc = subprocess.Popen([*cmd, "-g", "daemon off;"], **drop)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_up(url, proc, log, timeout)
            yield Nginx(url, proc, prefix)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
    finally:
        shutil.rmtree(prefix, ignore_errors=True)


def main() -> None:
    """Print the site snippet for a system nginx."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--upstream", action="append", required=True, help="replica host:port (repeat)"
    )
    parser.add_argument("--listen", default="80")
    parser.add_argument("--cache", type=Path, default=Path("/var/cache/nginx/sinn"))
    parser.add_argument(
        "--headers", type=Path, default=HEADERS_FILE, help="security_headers.conf path"
    )
    parser.add_argument(
        "--frame-ancestor", action="append", default=[], help="embedding origin"
    )
    args = parser.parse_args()
    print(
        render_site(
            args.upstream,
            args.listen,
            args.cache,
            args.headers,
            ("'self'", *args.frame_ancestor),
        ),
        end="",
    )


if __name__ == "__main__":
    main()
