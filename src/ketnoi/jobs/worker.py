"""The worker process (`ketnoi worker`): Huey's consumer running queued jobs with threads.

Threads, not processes: a job spends its time in the database, on disk or on the network, and
threads share one SQLAlchemy engine and its connection pool. Run more `ketnoi worker`
processes (with the queue on Redis) to use more machines.
"""

from __future__ import annotations

import logging

from huey import Huey
from huey.consumer import Consumer

from ketnoi.jobs.queue import fail_abandoned, get_huey, load_tasks

log = logging.getLogger("ketnoi.jobs")

# Longest pause between two looks at an empty SQLite queue. Huey's default (10 s) makes a job
# started from a page wait visibly; one indexed read per second costs nothing. (Redis waits on
# the queue instead of polling, so this does not matter there.)
MAX_POLL_SECONDS = 1.0


def make_consumer(huey: Huey, *, workers: int = 1, periodic: bool = True) -> Consumer:
    """A consumer of `huey` with `workers` threads; `run()` it from the process's main thread.
    `periodic`: it also schedules the periodic work (jobs.queue.PERIODIC), every minute; with
    several worker processes, let exactly one of them do so."""
    if workers < 1:
        raise ValueError("workers must be at least 1")
    return Consumer(huey, workers=workers, worker_type="thread", max_delay=MAX_POLL_SECONDS, periodic=periodic)


def run_worker(workers: int = 1, *, periodic: bool = True) -> None:
    """Run jobs until stopped.

    SIGINT (Ctrl-C) lets running jobs finish; SIGTERM (or kill -9) stops at once: the database
    rolls the cut job's transaction back, and the next worker to start marks it failed as
    interrupted (`fail_abandoned`: no process holds its lock any more).
    """
    load_tasks()
    huey = get_huey()
    if huey.immediate:
        raise RuntimeError("KETNOI_JOBS_IMMEDIATE is on: jobs run in the process that enqueues them, so a worker has nothing to do")
    abandoned = fail_abandoned()
    if abandoned:
        log.warning("%d job(s) left running by a stopped worker marked failed", abandoned)
    make_consumer(huey, workers=workers, periodic=periodic).run()
