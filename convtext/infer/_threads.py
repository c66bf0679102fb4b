"""How many CPU threads PyTorch uses. "auto" (None): the cores this process may use that other processes are not
busy with right now (sampled for 0.1 s from /proc/stat on Linux), and for training one model at most half of its
cores; an ensemble's members train in processes of their own (``parallel_training``)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import torch

from .._errors import ConvtextError

__all__ = ["available_cores", "free_cores", "machine_is_idle", "parallel_training", "set_threads", "training_threads"]

SAMPLE_SECONDS = 0.1
REUSE_SECONDS = 5.0  # a sample this recent is reused (a fit asks once per member)
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
    cores = available_cores()
    return max(1, min(cores, round(cores - _others_load())))


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
    mine = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    try:
        busy, own = _busy_ticks(mine), _own_ticks()
        time.sleep(SAMPLE_SECONDS)
        return (_busy_ticks(mine) - busy - (_own_ticks() - own)) / os.sysconf("SC_CLK_TCK") / SAMPLE_SECONDS
    except (OSError, ValueError, IndexError):
        return 0.0


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


@contextmanager
def training_threads(threads: int | None) -> Iterator[int]:
    """``set_threads(threads, training=True)`` while training; the thread count before it afterwards."""
    previous = torch.get_num_threads()
    try:
        yield set_threads(threads, training=True)
    finally:
        torch.set_num_threads(previous)


def set_threads(threads: int | None, training: bool = False) -> int:
    """Use ``threads`` CPU threads; None: the free cores, for ``training`` at most half of this process's cores
    (why: docs/decisions.md). Returns the number set."""
    count = threads or (min(free_cores(), max(1, available_cores() // 2)) if training else free_cores())
    if count < 1:
        raise ConvtextError(f"threads must be at least 1, got {threads}")
    torch.set_num_threads(count)
    return count


def parallel_training(jobs: int, threads: int | None) -> tuple[int, int]:
    """``(processes, threads each)`` for ``jobs`` independent trainings (an ensemble's members). Given ``threads``:
    as many side by side as it allows, the threads shared among them. None: the free cores shared the same way —
    or, on an idle machine, all the jobs at once, however few the cores (why: docs/decisions.md)."""
    if threads is not None and threads < 1:
        raise ConvtextError(f"threads must be at least 1, got {threads}")
    budget = threads or free_cores()
    if threads is None and machine_is_idle():  # nothing else runs here: the OS shares the cores among them
        return jobs, max(1, budget // jobs)
    processes = max(1, min(jobs, budget))
    return processes, max(1, budget // processes)
