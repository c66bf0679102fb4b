"""How many CPU threads PyTorch uses. "auto" (None): the cores this process may use that other processes are not
busy with right now (sampled for 0.1 s from /proc/stat on Linux), and for training one model at most half of its
cores but two where two are free, decided again every second from what other processes did meanwhile; an
ensemble's members train in processes of their own (``parallel_training``)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import torch

from .._errors import ConvtextError

__all__ = [
    "TrainingThreads", "available_cores", "confined_cores", "free_cores", "machine_is_idle", "parallel_training",
    "set_threads", "training_cap", "training_threads",
]  # fmt: skip

SAMPLE_SECONDS = 0.1
REUSE_SECONDS = 5.0  # a sample this recent is reused (a fit asks once per member)
RETUNE_SECONDS = 1.0  # training with "auto": how often the thread count follows the load
IDLE_BELOW = 0.25  # cores' worth of other processes' work under which the machine counts as idle
_last_sample: tuple[float, float] | None = None  # (time.monotonic(), cores' worth of other processes' work)


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity, e.g. a container's share), else all of them."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def free_cores() -> int:
    """Of ``available_cores()``, those not busy with other processes over the next 0.1 s (all of them where
    /proc/stat cannot be read); a sample from the last 5 s is reused."""
    return _free_beside(_others_load())


def _free_beside(others: float) -> int:
    """The cores of ``available_cores()`` left free by ``others`` cores' worth of other processes' work (at least 1)."""
    cores = available_cores()
    return max(1, min(cores, round(cores - others)))


def machine_is_idle() -> bool:
    """Other processes kept less than a quarter of a core busy over the sample ``free_cores`` uses."""
    return _others_load() < IDLE_BELOW


def _others_load() -> float:
    global _last_sample
    if _last_sample is None or time.monotonic() - _last_sample[0] >= REUSE_SECONDS:
        _last_sample = (time.monotonic(), _sample_others_load())
    return _last_sample[1]


def _sample_others_load() -> float:
    """Cores' worth of work other processes did on this process's cores over ``SAMPLE_SECONDS`` (0 where
    /proc/stat cannot be read)."""
    start = _load_mark()
    if start is None:
        return 0.0
    time.sleep(SAMPLE_SECONDS)
    end = _load_mark()
    return 0.0 if end is None else _others_between(start, end)


def _load_mark() -> tuple[float, int, int] | None:
    """(time.monotonic(), busy ticks of this process's cores, this process's own ticks), None where unreadable."""
    mine = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    try:
        return time.monotonic(), _busy_ticks(mine), _own_ticks()
    except (OSError, ValueError, IndexError):
        return None


def _others_between(start: tuple[float, int, int], end: tuple[float, int, int]) -> float:
    """Cores' worth of work other processes did between two ``_load_mark``s: all busy ticks less this process's."""
    seconds = max(end[0] - start[0], 1e-3)
    return (end[1] - start[1] - (end[2] - start[2])) / os.sysconf("SC_CLK_TCK") / seconds


def _busy_ticks(cpus: set[int] | None) -> int:
    """Clock ticks the given CPUs (all, for None) spent on work since boot: user, nice, system, irq, softirq, steal."""
    total = 0
    for line in Path("/proc/stat").read_text().splitlines():
        name, *values = line.split()
        if name.startswith("cpu") and name[3:].isdigit() and (cpus is None or int(name[3:]) in cpus):
            ticks = [int(value) for value in values]
            total += sum(ticks[0:3]) + sum(ticks[5:8])
    return total


def _own_ticks() -> int:
    """Clock ticks this process has run (user + system), from /proc/self/stat."""
    fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def training_cap() -> int:
    """The most threads "auto" trains one model on: half of this process's cores, two where it has two or more."""
    return min(available_cores(), max(2, available_cores() // 2))


class TrainingThreads:
    """Training's thread count, set at the start and, for "auto", set again every ``RETUNE_SECONDS`` from the load
    other processes put on the cores since the last decision (read from /proc/stat, without a pause)."""

    def __init__(self, threads: int | None):
        self.count = set_threads(threads, training=True)
        self._mark = _load_mark() if threads is None else None
        self.others: float | None = None  # cores' worth of other processes' work at the last decision

    def step(self) -> int:
        """Once per training step: ``retune`` when ``RETUNE_SECONDS`` have passed since the last decision."""
        if self._mark is None or time.monotonic() - self._mark[0] < RETUNE_SECONDS:
            return self.count
        return self.retune()

    def retune(self) -> int:
        """The free cores since the last decision (at most ``training_cap()``); returns the count set."""
        if self._mark is None:
            return self.count
        mark = _load_mark()
        if mark is None:
            return self.count
        others = _others_between(self._mark, mark)
        self._mark, self.others = mark, others
        count = min(training_cap(), _free_beside(others))
        if count != self.count:
            torch.set_num_threads(count)
            self.count = count
        return count


@contextmanager
def training_threads(threads: int | None) -> Iterator[TrainingThreads]:
    """``TrainingThreads(threads)`` while training; afterwards the thread count before it — for "auto", no more
    than the cores other processes left free at the end of training."""
    previous = torch.get_num_threads()
    training = TrainingThreads(threads)
    try:
        yield training
    finally:
        torch.set_num_threads(previous if training.others is None else min(previous, _free_beside(training.others)))


def set_threads(threads: int | None, training: bool = False) -> int:
    """Use ``threads`` CPU threads; None: the free cores, for ``training`` at most ``training_cap()`` of them
    (why: docs/decisions.md). Returns the number set."""
    count = threads or (min(free_cores(), training_cap()) if training else free_cores())
    if count < 1:
        raise ConvtextError(f"threads must be at least 1, got {threads}")
    torch.set_num_threads(count)
    return count


def parallel_training(jobs: int, threads: int | None) -> tuple[int, int]:
    """``(processes, threads each)`` for ``jobs`` independent trainings (an ensemble's members). Given ``threads``:
    as many side by side as it allows, the threads shared among them — or, where the jobs outnumber two or more
    threads, all of them at once, confined to that many cores (``confined_cores``). None: the free cores shared the
    same way — or, on an idle machine, all the jobs at once, however few the cores (why: docs/decisions.md)."""
    if threads is not None and threads < 1:
        raise ConvtextError(f"threads must be at least 1, got {threads}")
    if confined_cores(jobs, threads) is not None:
        return jobs, 1
    budget = threads or free_cores()
    if threads is None and machine_is_idle():  # nothing else runs here: the OS shares the cores among them
        return jobs, max(1, budget // jobs)
    processes = max(1, min(jobs, budget))
    return processes, max(1, budget // processes)


def confined_cores(jobs: int, threads: int | None) -> set[int] | None:
    """The cores ``jobs`` side-by-side trainings share when they outnumber the ``threads`` given (two or more): the
    first ``threads`` this process may run on, where it may set its own (Linux); None where they are not confined."""
    if threads is None or not 2 <= threads < jobs or not hasattr(os, "sched_setaffinity"):
        return None
    return set(sorted(os.sched_getaffinity(0))[:threads])
