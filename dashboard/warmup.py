"""Warm a freshly started app: real script runs of the default map views.

``python -m dashboard.warmup [--url URL] [--timeout S]`` waits until the app
answers its health check, then opens a session over Streamlit's websocket
(the same messages a browser sends) for each view in ``VIEWS`` and waits for
the script run to finish. The server process then has its modules imported,
its connection open, the shared geometry and marker files written and the
rendered default maps cached, so the first real visitor gets a warm server.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

__all__ = ["VIEWS", "main", "warm"]

#: Query strings of the views to run: both map levels, both languages.
VIEWS = ("", "level=municipality", "lang=en", "lang=en&level=municipality")


def _wait_healthy(url: str, timeout: float) -> None:
    """Poll ``/_stcore/health`` until it answers or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read() == b"ok":
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} not healthy after {timeout} s")
        time.sleep(0.2)


async def _run(url: str, query: str) -> None:
    """One session, two script runs with ``query``, each waited for.

    A session's first run of the Karte page draws the map alone, the next one
    the whole page (``dashboard.first_view``): both are warmed.
    """
    stream = url.replace("http", "ws", 1) + "/_stcore/stream"
    async with websockets.connect(
        stream, subprotocols=["streamlit"], max_size=None
    ) as ws:
        msg = BackMsg()
        msg.rerun_script.query_string = query
        msg.rerun_script.page_script_hash = ""
        for _ in range(2):
            await ws.send(msg.SerializeToString())
            async for raw in ws:
                forward = ForwardMsg()
                forward.ParseFromString(raw)
                if forward.WhichOneof("type") == "script_finished":
                    break


def warm(url: str, timeout: float = 300) -> float:
    """Warm the app at ``url`` (no trailing slash); seconds it took."""
    start = time.perf_counter()
    _wait_healthy(url, timeout)
    # A thread of its own: the caller may already run an event loop (Playwright).
    with ThreadPoolExecutor(1) as pool:
        for query in VIEWS:
            pool.submit(
                asyncio.run, asyncio.wait_for(_run(url, query), timeout)
            ).result()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m dashboard.warmup``."""
    parser = argparse.ArgumentParser(
        prog="python -m dashboard.warmup", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--url", default="http://127.0.0.1:8501")
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args(argv)
    seconds = warm(args.url.rstrip("/"), args.timeout)
    print(f"warmed {args.url} in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
