"""Launcher: N replicas of the dashboard behind nginx on one machine.

``python -m deploy --replicas 2 --port 8080 [--db PATH]`` starts the replicas on
free loopback ports and nginx (unprivileged, own prefix in a temporary folder)
on 127.0.0.1:PORT, restarts a replica that exits or stops answering its health
check, and stops everything on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import signal
import tempfile
import threading
import urllib.request
from pathlib import Path

from deploy.nginx import run_nginx
from deploy.replicas import Replica, replicas, start_replica, stop, wait_ready
from sinn.config import db_path


def _healthy(url: str) -> bool:
    """Whether the replica at ``url`` answers its health check within 5 s."""
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as r:
            return r.read().strip() == b"ok"
    except OSError:
        return False


def _supervise(reps: list[Replica], db: Path, done: threading.Event) -> None:
    """Restart a replica that has exited or failed 3 health checks in a row."""
    failures = [0] * len(reps)
    while not done.wait(2):
        for i, r in enumerate(reps):
            alive = r.proc.poll() is None
            failures[i] = 0 if alive and _healthy(r.url) else failures[i] + 1
            if alive and failures[i] < 3:
                continue
            print(f"replica {r.url} down ({r.proc.poll()}); restarting", flush=True)
            stop(r.proc, signal.SIGKILL)
            port = int(r.url.rsplit(":", 1)[1])
            reps[i] = start_replica(db, r.log, port=port, env=r.env)
            wait_ready(reps[i])
            failures[i] = 0


def main() -> None:
    """Parse the arguments, start everything, wait for a stop signal."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument(
        "--db", type=Path, default=None, help="database (default: SINN_DB)"
    )
    args = parser.parse_args()
    if not 1 <= args.replicas <= 32:
        parser.error("--replicas must be between 1 and 32")
    args.db = (args.db or db_path()).resolve()
    if not args.db.exists():
        parser.error(f"--db: {args.db} does not exist (run `python -m etl build`)")
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    with tempfile.TemporaryDirectory(prefix="sinn-deploy-") as tmp:
        tmp_path = Path(tmp)
        with replicas(args.db, args.replicas, tmp_path) as reps:
            addresses = [r.address for r in reps]
            with run_nginx(addresses, args.port) as server:
                print(
                    f"{len(reps)} replicas {', '.join(addresses)} behind {server.url}",
                    flush=True,
                )
                watcher = threading.Thread(
                    target=_supervise, args=(reps, args.db, done)
                )
                watcher.start()
                try:
                    done.wait()
                except KeyboardInterrupt:
                    done.set()
                watcher.join()
                for r in reps:  # restarted replicas are not in replicas()' stack
                    stop(r.proc)


if __name__ == "__main__":
    main()
