"""Data-parallel training on PyTorch's engine: DistributedDataParallel, launched by ``torchrun``.

``torchrun --nproc-per-node 2 -m convtext train DATA -o DIR`` starts one process per worker with
``RANK`` / ``WORLD_SIZE`` / ``MASTER_ADDR`` set; the engine (``run``) sees them, joins the process group (gloo
on CPU, nccl on CUDA), wraps the training step in DDP (gradients averaged across processes every step) and
gives each process its share of every epoch's batches. Every process validates on the whole
validation set with the same (synchronised) weights, so early stopping agrees everywhere; only
rank 0 writes checkpoints and the model folder.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import torch
import torch.distributed as dist

__all__ = ["is_main_process", "join_process_group", "shard_batches", "world"]


def world() -> tuple[int, int]:
    """``(rank, world size)`` of this process: ``(0, 1)`` outside torchrun."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1))


def is_main_process() -> bool:
    """Whether this process writes files (rank 0, or the only process)."""
    return world()[0] == 0


def join_process_group(device: torch.device) -> bool:
    """Under torchrun, start the process group once (gloo on CPU, nccl on CUDA); returns whether distributed."""
    if world()[1] <= 1:
        return False
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
        if device.type == "cuda":
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", 0)))
    return True


def shard_batches(batches: Sequence[list[int]], rank: int, size: int) -> list[list[int]]:
    """This process's share of an epoch's batches: every ``size``-th from ``rank``, the list first topped up
    from its start so that every process takes as many steps (DDP synchronises every step)."""
    steps = len(batches) + (-len(batches) % size)
    return [batches[i % len(batches)] for i in range(rank, steps, size)]
