"""Independent trainings side by side: forked processes of one thread each beside this process, weights sent back.

An ensemble's members share nothing while they train, and one small-batch training uses a CPU core far better
than two threads do, so members trained in parallel processes finish in about the time of one per core. A forked
child inherits the data and the model as they are, seeds itself as the engine always does, and so ends with the
weights the same training would reach in this process with the same thread count. A child never uses more than one
thread: PyTorch's OpenMP runtime (libgomp) hangs a forked child that starts threads once its parent has used some.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import sys
import traceback
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection, wait

import torch
import torch.nn as nn

from .._errors import ConvtextError
from ._config import TrainResult

__all__ = ["can_fork_trainings", "train_side_by_side"]

log = logging.getLogger(__name__)


def can_fork_trainings(device_type: str) -> bool:
    """Trainings may run in forked processes: on Linux, on the CPU, in a process that has not started CUDA (CUDA
    does not survive a fork), and not from a daemonic process (which may not have children)."""
    return (
        sys.platform == "linux"
        and device_type == "cpu"
        and not torch.cuda.is_initialized()
        and not multiprocessing.current_process().daemon
    )


def train_side_by_side(
    train_one: Callable[[int, int], TrainResult], models: Sequence[nn.Module], budget: int,
    cores: set[int] | None = None,
) -> list[TrainResult]:  # fmt: skip
    """``train_one(index, threads)`` trains ``models[index]``; ``budget`` of them at a time. In each round all but
    the last train in forked processes of one thread each (a forked child that starts OpenMP threads after its
    parent has used them hangs), and this process trains the last with the threads left over; each child's state is
    loaded into ``models[index]`` here. ``cores``: the CPUs every training here runs on (this process's own are set
    back after). A failure in one stops the others and is raised here."""
    import torch._dynamo  # noqa: F401 - the first optimiser imports it (about 1.5 s): once here, not in every child

    own_cores = os.sched_getaffinity(0) if cores else None
    try:
        if cores:
            os.sched_setaffinity(0, cores)  # the children inherit it
        return _rounds(train_one, models, budget)
    finally:
        if own_cores:
            os.sched_setaffinity(0, own_cores)


def _rounds(train_one: Callable[[int, int], TrainResult], models: Sequence[nn.Module], budget: int) -> list:
    context = multiprocessing.get_context("fork")
    results: list[TrainResult | None] = [None] * len(models)
    for first in range(0, len(models), budget):
        *forked, own = range(first, min(first + budget, len(models)))
        running = {}
        try:
            for index in forked:
                receive, send = context.Pipe(duplex=False)
                child = context.Process(target=_train_and_send, args=(train_one, index, models[index], send),
                                        daemon=True, name=f"convtext-member-{index + 1}")  # fmt: skip
                child.start()
                send.close()  # the child holds the sending end: end of file here once it exits
                running[receive] = (index, child)
            results[own] = train_one(own, budget - len(forked))
            while running:
                for receive in wait(list(running)):
                    index, child = running.pop(receive)
                    message = _receive(receive)
                    child.join()
                    results[index] = _take(message, models[index], index, child.exitcode)
        finally:
            for _, child in running.values():
                child.terminate()
                child.join()
    return results


def _train_and_send(
    train_one: Callable[[int, int], TrainResult], index: int, model: nn.Module, send: Connection
) -> None:
    """In the child: train on one thread, then send ``("done", state, result)`` or ``("failed", error, traceback)``."""
    try:
        result = train_one(index, 1)
        state = {name: tensor.detach().cpu() for name, tensor in model.state_dict().items()}
        _send(send, ("done", state, result))
    except BaseException as error:  # noqa: BLE001 - whatever stopped the training is the parent's to raise
        details = traceback.format_exc()
        try:
            pickle.dumps(error)
        except Exception:  # noqa: BLE001 - an error that cannot travel goes as its message
            error = ConvtextError(f"{type(error).__name__}: {error}")
        _send(send, ("failed", error, details))
    finally:
        send.close()


def _send(send: Connection, message: tuple) -> None:
    """Plain pickle: tensors travel as bytes (multiprocessing's own pickler would share them through file
    descriptors that close with the child)."""
    send.send_bytes(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))


def _receive(receive: Connection):
    try:
        return pickle.loads(receive.recv_bytes())
    except EOFError:
        return None
    finally:
        receive.close()


def _take(message, model: nn.Module, index: int, exit_code: int | None) -> TrainResult:
    if message is None:
        raise ConvtextError(
            f"the process training member {index + 1} ended without a result (exit code {exit_code}; a negative "
            "code is the signal that stopped it, e.g. -9 when the system ran out of memory) — train with "
            "threads=1 to train the members one after another in this process"
        )
    if message[0] == "failed":
        _, error, details = message
        log.debug("member %d failed:\n%s", index + 1, details)
        raise error
    _, state, result = message
    model.load_state_dict(state)
    return result
