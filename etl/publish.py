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


def temp_path(target: Path) -> Path:
    """A private temporary file next to ``target`` (same file system: atomic)."""
    return target.with_name(f".{target.name}.building-{os.getpid()}")


def remove_stale_temp(target: Path) -> list[Path]:
    """Delete temporary files of killed builds for ``target`` (hold the lock)."""
    # ".<name>.<pid>" and ".<name>.<random>.part" are older rejects.csv patterns
    stale = sorted(
        p
        for p in target.parent.glob(f".{target.name}.*")
        if p.name.removeprefix(f".{target.name}.").split("-")[0]
        in ("building", "previous")
        or p.name.removeprefix(f".{target.name}.").isdigit()
        or p.name.endswith(".part")
    )
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


def _fsync(path: Path) -> None:
    """Flush a file or directory to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_atomically(tmp: Path, target: Path) -> None:
    """Flush ``tmp`` to disk and move it over ``target`` in one rename."""
    _fsync(tmp)
    os.replace(tmp, target)
    _fsync(target.parent)


def replace_pair(main: tuple[Path, Path], companion: tuple[Path, Path]) -> None:
    """Replace ``main`` and its ``companion`` file together, or neither.

    Each pair is (temporary file, target). The companion goes first; when the main
    rename fails, the companion's previous version is put back.
    """
    for tmp, target in (main, companion):
        _fsync(tmp)
        if target.is_dir():
            raise IsADirectoryError(f"{target} is a directory; nothing was published")
    (main_tmp, main_target), (comp_tmp, comp_target) = main, companion
    backup = comp_target.with_name(f".{comp_target.name}.previous-{os.getpid()}")
    had_previous = comp_target.exists()
    if had_previous:
        os.link(comp_target, backup)
    try:
        os.replace(comp_tmp, comp_target)
        try:
            os.replace(main_tmp, main_target)
        except OSError:
            if had_previous:
                os.replace(backup, comp_target)
            else:
                comp_target.unlink(missing_ok=True)
            raise
    finally:
        backup.unlink(missing_ok=True)
    _fsync(main_target.parent)


def pause_point(stage: str) -> None:
    """Test hook: sleep inside ``stage`` when ``SINN_TEST_PAUSE_STAGE`` names it."""
    pause = config.build_pause()
    if pause.stage == stage:
        if pause.marker:
            Path(pause.marker).write_text(stage)
        time.sleep(pause.seconds)
