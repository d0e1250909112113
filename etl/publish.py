"""Atomic publishing of the database and the build lock."""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

from sinn import config


class BuildLocked(RuntimeError):
    """Another build holds the lock for the same database."""


@contextlib.contextmanager
def build_lock(db_path: Path, wait_s: float) -> Iterator[None]:
    """Hold an exclusive lock for ``db_path``; wait up to ``wait_s`` seconds for it."""
    lock_path = db_path.with_name(db_path.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a+") as fh:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise BuildLocked(
                        f"another build of {db_path} is running (lock {lock_path}); "
                        f"waited {wait_s:.0f} s — try again when it has finished"
                    ) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def temp_path(db_path: Path) -> Path:
    """A private temporary file next to ``db_path`` (same file system: atomic)."""
    return db_path.with_name(f".{db_path.name}.building-{os.getpid()}")


def remove_stale_temp(db_path: Path) -> list[Path]:
    """Delete temporary files of killed builds (call while holding the lock)."""
    stale = sorted(db_path.parent.glob(f".{db_path.name}.building-*"))
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


def replace_atomically(tmp: Path, target: Path) -> None:
    """Flush ``tmp`` to disk and move it over ``target`` in one rename."""
    with tmp.open("rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    dir_fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def pause_point(stage: str) -> None:
    """Test hook: sleep inside ``stage`` when ``SINN_TEST_PAUSE_STAGE`` names it."""
    pause = config.build_pause()
    if pause.stage == stage:
        if pause.marker:
            Path(pause.marker).write_text(stage)
        time.sleep(pause.seconds)
