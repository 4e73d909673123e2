"""Run several event streams at once, their events merged in the order they happen."""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterator, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")

_JOIN_TIMEOUT = 10.0
"""Seconds to wait for a stream still running after the consumer stopped: one blocked on a
silent server gives up at its own timeout, which can be longer than anyone waits for Ctrl-C."""


class _Item(Generic[T]):
    __slots__ = ("value",)

    def __init__(self, value: T) -> None:
        self.value = value


class _End:
    """One stream has ended."""


def merged(
    streams: Sequence[Iterator[T]], *, workers: int, cancel: threading.Event
) -> Generator[T, None, None]:
    """The items of every stream as they come, each stream iterated on one of `workers` threads.

    When the consumer stops early (an error, Ctrl-C) `cancel` is set and the threads are waited
    for: the streams are expected to watch `cancel` and to clean up as they end, and streams not
    yet started are not started. An exception from a stream reaches the consumer, which then
    stops the rest the same way.
    """
    items: queue.Queue[_Item[T] | _End | BaseException] = queue.Queue()
    next_stream = iter(streams)
    claim = threading.Lock()

    def work() -> None:
        while True:
            with claim:
                stream = next(next_stream, None)
            if stream is None:
                return
            try:
                if cancel.is_set():
                    continue  # never started, so there is nothing to stop or clean up
                for value in stream:
                    items.put(_Item(value))
            except BaseException as error:  # re-raised by the consumer
                items.put(error)
            finally:
                items.put(_End())

    threads = [
        threading.Thread(target=work, name=f"pybuilds-job-{n}", daemon=True)
        for n in range(max(1, min(workers, len(streams))))
    ]
    for thread in threads:
        thread.start()
    ended = 0
    try:
        while ended < len(streams):
            try:
                # A timeout, so Ctrl-C reaches this thread on every platform.
                entry = items.get(timeout=0.5)
            except queue.Empty:
                continue
            if isinstance(entry, _End):
                ended += 1
            elif isinstance(entry, BaseException):
                raise entry
            else:
                yield entry.value
    finally:
        if ended < len(streams):
            cancel.set()
        for thread in threads:
            thread.join(_JOIN_TIMEOUT)
