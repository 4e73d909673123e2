"""The exclusive lock on `<root>/.lock` that uv and pybuilds both take before changing the root."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tui.core.errors import Cancelled, InstallError

_POLL = 0.05
"""Seconds between attempts while another process holds the lock."""


def _try_lock(fd: int) -> bool:
    """Take the lock without waiting; False when someone else holds it."""
    if sys.platform == "win32":
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    # uv locks with fs4/std `lock_exclusive`, which is flock(2) on Unix: locks on the same file
    # from two processes (or two open() calls in one process) exclude each other.
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _unlock(fd: int) -> None:
    if sys.platform == "win32":
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_UN)


def _open_lock_file(path: Path) -> int:
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        return os.open(path, os.O_RDWR)
    # As uv: world-writable whatever the umask, so users sharing a root can all lock it.
    if hasattr(os, "fchmod"):
        os.fchmod(fd, 0o666)
    return fd


class RootLock:
    """uv's exclusive lock on `<root>/.lock`; take it only around changes to the root."""

    def __init__(self, root: Path) -> None:
        self.path = root / ".lock"
        self._fd: int | None = None

    def _open(self) -> int:
        if self._fd is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                self._fd = _open_lock_file(self.path)
            except OSError as error:
                raise InstallError(
                    f"cannot open the lock file {self.path}: {error.strerror or error}",
                    hint="check that the install directory is writable",
                ) from None
        return self._fd

    def try_acquire(self) -> bool:
        """Take the lock if it is free; False when uv or another pybuilds holds it."""
        return _try_lock(self._open())

    def acquire(self, cancel: threading.Event | None = None) -> None:
        """Wait for the lock; raises Cancelled if `cancel` is set meanwhile."""
        fd = self._open()
        while not _try_lock(fd):
            if cancel is None:
                time.sleep(_POLL)
            elif cancel.wait(_POLL):
                self.release()
                raise Cancelled("install")

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            _unlock(fd)
        except OSError:
            pass  # not locked (cancelled while waiting): closing is all that is left
        finally:
            os.close(fd)


@contextmanager
def root_lock(
    root: Path,
    *,
    cancel: threading.Event | None = None,
    on_wait: Callable[[], None] | None = None,
) -> Iterator[None]:
    """Hold uv's exclusive lock on `<root>/.lock` for the duration of the block.

    Args:
        root: The managed-Python root (created if missing).
        cancel: Set it to stop waiting; raises Cancelled.
        on_wait: Called once if the lock is busy, before waiting (to tell the user why).
    """
    lock = RootLock(root)
    try:
        if not lock.try_acquire():
            if on_wait is not None:
                on_wait()
            lock.acquire(cancel)
        yield
    finally:
        lock.release()


_SIBLING_WAIT = 30.0
"""Seconds to wait for another process's edit of the same file (each takes milliseconds)."""


@contextmanager
def sibling_lock(path: Path, *, timeout: float = _SIBLING_WAIT) -> Iterator[None]:
    """Hold an exclusive lock on `.<name>.lock` beside `path`, so processes that read, change
    and replace `path` take turns; the lock file is removed again on release.

    `path` itself cannot carry the lock: an atomic replace gives it a new inode.

    Raises:
        TimeoutError: another process held the lock for `timeout` seconds.
        OSError: the lock file cannot be created (a folder that is not writable, ...).
    """
    lock_path = path.with_name(f".{path.name}.lock")
    fd = _lock_sibling(lock_path, time.monotonic() + timeout)
    try:
        yield
    finally:
        # Removed while still held: a process waiting on this inode sees it is gone and
        # retries on a new file (Windows refuses to remove an open file; it then stays).
        with contextlib.suppress(OSError):
            os.unlink(lock_path)
        try:
            _unlock(fd)
        finally:
            os.close(fd)


def _lock_sibling(lock_path: Path, deadline: float) -> int:
    """Open and lock `lock_path`, retrying until the locked file is the one at that path."""
    while True:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            while not _try_lock(fd):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{lock_path} stayed locked")
                time.sleep(_POLL)
            if _is_file_at(fd, lock_path):
                return fd
            _unlock(fd)
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)


def _is_file_at(fd: int, path: Path) -> bool:
    try:
        current = os.stat(path)
    except FileNotFoundError:
        return False
    opened = os.fstat(fd)
    return (opened.st_dev, opened.st_ino) == (current.st_dev, current.st_ino)
