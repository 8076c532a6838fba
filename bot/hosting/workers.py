"""The inbox workers of every SAO in one web process, run by one small pool of threads.

A single install's worker has its own threads: handlers that wait for the webhook, a sweeper
and a loading-animation loop (bot/pipeline/worker.py). Two hundred SAOs so would be 800 threads
a process that wake hundreds of times a second with nothing to do, and that take turns on the
GIL with the webhook's when busy. Here each SAO keeps its InboxWorker (its database, planner,
sender), never started; the process runs:

  - `threads` handlers, taking the SAOs whose webhook stored events, in turn: at most BATCH
    events of one SAO before the next SAO's (one busy SAO does not hold up the others);
  - one housekeeper. For the SAOs active in the last ACTIVE_SECONDS: the loading animation every
    SWEEP_INTERVAL_SECONDS, as a single install shows it (one query), and the sweep (leases run
    out, replies to repeat, background jobs, WAL checkpoint: several) every ACTIVE_SWEEP_SECONDS;
    for an idle SAO, the sweep every IDLE_SWEEP_SECONDS, which also finds events left by a stopped
    process (the sweep takes them over and wakes the pool);
  - one warmer: each SAO's reader built before its first event (bot.pipeline.handlers warm_up),
    one SAO at a time and only while no SAO has events waiting. Built at its first event instead,
    200 SAOs' readers cost the first minute of traffic about a minute of CPU in each process.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import deque

from bot.pipeline.worker import SWEEP_INTERVAL_SECONDS, InboxWorker

log = logging.getLogger(__name__)

BATCH = 8
ACTIVE_SECONDS = 60.0
# The sweep is several queries and the background jobs: at every half second, 200 active SAOs
# were 400 sweeps a second in each process, competing with the handling.
ACTIVE_SWEEP_SECONDS = 2.0
IDLE_SWEEP_SECONDS = 30.0


class SharedWorkers:
    def __init__(self, threads: int):
        self.threads = max(1, threads)
        self._workers: dict[str, InboxWorker] = {}
        self._waiting: deque[str] = deque()  # SAOs with events to handle, in the order they came
        self._queued: set[str] = set()
        self._active_until: dict[str, float] = {}
        self._swept_at: dict[str, float] = {}
        self._cold: deque[str] = deque()  # SAOs whose reader is not built yet
        self._ready = threading.Condition()
        self._stop = threading.Event()
        self._running: list[threading.Thread] = []

    def add(self, slug: str, worker: InboxWorker) -> None:
        worker.listeners.append(lambda: self.wake(slug))
        with self._ready:
            self._workers[slug] = worker
            self._cold.append(slug)
        self.wake(slug)  # its inbox may hold events from before a restart

    def remove(self, slug: str) -> None:
        with self._ready:
            self._workers.pop(slug, None)
            self._active_until.pop(slug, None)
            self._swept_at.pop(slug, None)

    def wake(self, slug: str) -> None:
        with self._ready:
            self._active_until[slug] = time.monotonic() + ACTIVE_SECONDS
            if slug not in self._queued:
                self._queued.add(slug)
                self._waiting.append(slug)
                self._ready.notify()

    def start(self) -> None:
        if self._running:
            return
        for i in range(self.threads):
            self._running.append(threading.Thread(target=self._handle, name=f"inbox-shared-{i}", daemon=True))
        self._running.append(threading.Thread(target=self._housekeep, name="inbox-housekeeper", daemon=True))
        self._running.append(threading.Thread(target=self._warm, name="inbox-warmer", daemon=True))
        for thread in self._running:
            thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        with self._ready:
            self._ready.notify_all()
        for thread in self._running:
            thread.join(timeout)
        self._running = []

    # --- the threads ---------------------------------------------------------------------

    def _next(self) -> tuple[str, InboxWorker] | None:
        """The next SAO with events (None: stopping). Two threads may take one SAO at once, as a
        single install's threads share its inbox: the inbox's claims keep each chat in order."""
        with self._ready:
            while True:
                while not self._waiting and not self._stop.is_set():
                    self._ready.wait()
                if self._stop.is_set():
                    return None
                slug = self._waiting.popleft()
                self._queued.discard(slug)
                worker = self._workers.get(slug)
                if worker is not None:  # else removed meanwhile
                    return slug, worker

    def _handle(self) -> None:
        while (taken := self._next()) is not None:
            slug, worker = taken
            handled = 0
            try:
                while handled < BATCH and worker.process_next():
                    handled += 1
            except Exception as exc:  # the event is retried; the thread and the other SAOs go on
                worker.recover_from(exc)
            if handled == BATCH:
                self.wake(slug)  # more may wait: after the other SAOs' turn

    def _housekeep(self) -> None:
        while not self._stop.wait(SWEEP_INTERVAL_SECONDS):
            now = time.monotonic()
            with self._ready:
                workers = list(self._workers.items())
            for slug, worker in workers:
                active = self._active_until.get(slug, 0.0) > now
                sweep = now - self._swept_at.get(slug, 0.0) >= (ACTIVE_SWEEP_SECONDS if active else IDLE_SWEEP_SECONDS)
                if active:
                    worker.show_loading_safely()
                if sweep:
                    self._swept_at[slug] = now
                    worker.sweep_safely()
                if self._stop.is_set():
                    return

    def _warm(self) -> None:
        while not self._stop.is_set():
            with self._ready:
                busy = bool(self._waiting)
                slug = self._cold.popleft() if self._cold and not busy else None
                worker = self._workers.get(slug) if slug else None
            if slug is None:
                self._stop.wait(0.2)
                continue
            if worker is not None:
                try:
                    worker.planner.warm_up()
                except Exception:  # its first event builds it instead
                    log.exception("tenant %s: warming up the reader failed", slug)
