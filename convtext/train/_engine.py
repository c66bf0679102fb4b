"""The training engine: one loop for every kind of training convtext does.

``run(step, config)`` owns device and threads, seeding, AdamW and its parameter groups, the learning-rate
schedule, gradient clipping, mixed precision on CUDA, validation and early stopping with the best state kept,
the progress bar, checkpoints with resume, and DDP under torchrun. The ``TrainingStep`` says what differs:
its batches, the loss of one batch, its validation and its log.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from torch import nn

from ..infer import autocast, resolve_device, training_threads
from ._checkpoint import CheckpointState, read_checkpoint, write_checkpoint
from ._config import TrainConfig, TrainResult
from ._distributed import is_main_process, join_process_group, shard_batches, world
from ._early_stopping import EarlyStopping
from ._row_gradients import RowGradients
from ._step import TrainingStep

__all__ = ["adamw", "learning_rate_schedule", "progress_bar", "run"]

log = logging.getLogger(__name__)


def learning_rate_schedule(
    optimizer: torch.optim.Optimizer, total_steps: int, steps_per_epoch: int, decay: bool
) -> torch.optim.lr_scheduler.LambdaLR | None:
    """Each group's rate as a factor of its peak: with ``decay``, falling linearly to 0 over ``total_steps`` (as
    fastText does); a group with ``warmup_epochs`` first rises linearly from 0 over that many epochs."""
    warmups = [group.get("warmup_epochs", 0) * steps_per_epoch for group in optimizer.param_groups]
    if not decay and not any(warmups):
        return None

    def factor(warmup_steps: float) -> Callable[[int], float]:
        def at(step: int) -> float:
            rise = min(1.0, step / warmup_steps) if warmup_steps else 1.0
            return rise * (max(0.0, 1 - step / total_steps) if decay else 1.0)

        return at

    return torch.optim.lr_scheduler.LambdaLR(optimizer, [factor(steps) for steps in warmups])


def adamw(parameter_groups: list[dict], config: TrainConfig, device: torch.device) -> torch.optim.AdamW:
    """AdamW over ``parameter_groups``, the fused kernel on CPU and CUDA: the same update in one pass."""
    fused = device.type in ("cpu", "cuda") or None  # e.g. MPS: torch's default path
    return torch.optim.AdamW(parameter_groups, lr=config.lr, weight_decay=config.weight_decay, fused=fused)


def progress_bar(enabled: bool) -> Progress:
    """The training progress bar: epoch, steps, status (loss and validation), elapsed and remaining time."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        disable=not enabled,
        transient=False,
    )


def run(
    step: TrainingStep,
    config: TrainConfig,
    parameter_groups: list[dict] | None = None,
    on_epoch_start: Callable[[int], None] | None = None,
    validate_first: bool = False,
    checkpoint: str | Path | None = None,
    resume: bool = False,
    on_epoch_end: Callable[[int, dict], None] | None = None,
) -> TrainResult:
    """Train ``step``'s modules for ``config.epochs`` epochs at most; keep the state of the best validation score.

    ``parameter_groups`` are AdamW's (default: every trainable parameter at ``config.lr``); a frozen parameter
    gets no gradient, so AdamW leaves it exactly as it was. ``on_epoch_start(epoch)`` runs before each epoch
    (gradual unfreezing). ``validate_first`` scores the starting state as epoch 0, kept if no epoch beats it.
    ``checkpoint``: a file that receives the whole training state after every epoch (atomically); with
    ``resume`` and that file present, training goes on from it — with the same seed, a resumed run ends with
    the same weights as one never interrupted (same device and threads). ``on_epoch_end(epoch, report)`` runs
    after each epoch's validation, with its report; what it raises ends the training (autotune's pruning).
    """
    with training_threads(config.threads) as threads:
        return _run(
            step, config, parameter_groups, on_epoch_start, validate_first, checkpoint, resume, on_epoch_end, threads
        )


def _run(
    step, config, parameter_groups, on_epoch_start, validate_first, checkpoint, resume, on_epoch_end, threads
) -> TrainResult:
    device = resolve_device(config.device)
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    step.start(device)
    if parameter_groups is None:
        parameter_groups = [{"params": [p for p in step.parameters() if p.requires_grad]}]
    optimizer = adamw(parameter_groups, config, device)
    distributed = join_process_group(device)  # under torchrun: DDP, each process its share of the batches
    rank, processes = world()
    steps_per_epoch = math.ceil(step.batches_per_epoch() / processes)  # this process's
    total_steps = config.epochs * steps_per_epoch
    scheduler = learning_rate_schedule(optimizer, total_steps, steps_per_epoch, config.lr_schedule == "linear")
    result = TrainResult(config=step.record(config))
    stopper = EarlyStopping(step, config.patience, step.mode)
    checkpoint = Path(checkpoint) if checkpoint is not None else None
    run_id = step.fingerprint(_run_settings(config)) if checkpoint is not None else ""
    first_epoch, finished = 1, False
    if checkpoint is not None and resume and checkpoint.is_file():
        state = read_checkpoint(checkpoint, run_id)
        first_epoch, finished = _resume(state, step, optimizer, scheduler, rng, stopper, result)
        log.info("resumed from %s after epoch %d", checkpoint, first_epoch - 1)
    elif validate_first:  # the starting state as epoch 0: the first point of the training curve
        step.start_epoch(0)
        end = step.end_epoch(0, 0.0)
        result.history.append(end.entry)
        log.info("epoch 0 (the starting state): %s", end.status)
        result.best_valid = end.report
        stopper.step(end.score, 0)
    started = time.perf_counter()
    row_gradients = RowGradients(step, enabled=device.type == "cpu" and not distributed)  # see its module
    with progress_bar(config.progress) as progress, row_gradients:
        bar = progress.add_task("training", total=total_steps, status="", completed=(first_epoch - 1) * steps_per_epoch)
        for epoch in range(first_epoch, 1 if finished else config.epochs + 1):
            epoch_start = time.perf_counter()
            if on_epoch_start is not None:
                on_epoch_start(epoch)
            step.start_epoch(epoch)
            step.train()
            loss_of = step
            if distributed:  # wrapped each epoch: DDP syncs the parameters that are trainable now (gradual unfreezing)
                loss_of = nn.parallel.DistributedDataParallel(step, find_unused_parameters=step.find_unused_parameters)
            updated = [p for group in optimizer.param_groups for p in group["params"] if p.requires_grad]
            batches = step.epoch_batches(rng)  # the same on every process (same seed)
            done = (epoch - 1) * steps_per_epoch
            for index, batch in enumerate(shard_batches(batches, rank, processes) if distributed else batches):
                threads.step()  # "auto": the cores other processes leave free, looked at every second
                with autocast(device, config.mixed_precision):
                    loss = loss_of(batch, (done + index) / total_steps)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                row_gradients.gather()
                if config.grad_clip:
                    step.clip_gradients(config.grad_clip)
                optimizer.step()
                torch.autograd.graph.increment_version(updated)  # fused writes do not mark it; n-gram tables rely on it
                if scheduler is not None:
                    scheduler.step()
                progress.update(bar, advance=1, description=f"{config.progress_label}epoch {epoch}/{config.epochs}")
            end = step.end_epoch(epoch, time.perf_counter() - epoch_start)
            result.history.append(end.entry)
            progress.update(bar, status=end.status)
            log.info("epoch %d: %s", epoch, end.status)
            stop = stopper.step(end.score, epoch)
            if stopper.improved:
                result.best_epoch, result.best_valid = epoch, end.report
            if checkpoint is not None and is_main_process():
                state = _checkpoint_state(
                    epoch, stop or epoch == config.epochs, step, optimizer, scheduler, rng, stopper, result
                )
                write_checkpoint(checkpoint, state, run_id)
            if on_epoch_end is not None:
                on_epoch_end(epoch, end.report)
            if stop:
                log.info("early stop after epoch %d: no better validation score for %d epochs", epoch, stopper.stale)
                progress.update(bar, completed=total_steps)
                break
    stopper.restore()
    result.seconds += time.perf_counter() - started
    return result


def _run_settings(config: TrainConfig) -> dict:
    """The training settings that change the result (threads, device and progress bars do not)."""
    return {
        key: value
        for key, value in asdict(config).items()
        if key not in ("threads", "progress", "progress_label", "device")
    }


def _checkpoint_state(epoch, finished, step, optimizer, scheduler, rng, stopper, result) -> CheckpointState:
    return CheckpointState(
        epoch=epoch, finished=finished, model=step.state_dict(), best=stopper.best_state,
        optimizer=optimizer.state_dict(), scheduler=scheduler.state_dict() if scheduler is not None else None,
        numpy_rng=rng.bit_generator.state, torch_rng=torch.get_rng_state(),
        progress={
            "history": [asdict(entry) for entry in result.history], "best_epoch": result.best_epoch,
            "best_valid": result.best_valid, "best_score": stopper.best_score, "stale": stopper.stale,
            "batches": step.batch_state(),
        },
    )  # fmt: skip


def _resume(state: CheckpointState, step, optimizer, scheduler, rng, stopper, result) -> tuple[int, bool]:
    """Load a checkpoint into the live objects; returns the epoch to start from and whether training had ended."""
    step.load_state_dict(state.model)
    optimizer.load_state_dict(state.optimizer)
    if scheduler is not None and state.scheduler is not None:
        scheduler.load_state_dict(state.scheduler)
    rng.bit_generator.state = state.numpy_rng
    torch.set_rng_state(state.torch_rng)
    progress = state.progress
    step.load_batch_state(progress.get("batches", {}))
    best = {name: tensor.to(step.device) for name, tensor in state.best.items()} if state.best is not None else None
    stopper.resume(progress["best_score"], progress["best_epoch"], progress["stale"], best)
    result.history = [step.log_type(**entry) for entry in progress["history"]]
    result.best_epoch, result.best_valid = progress["best_epoch"], progress["best_valid"]
    result.seconds = sum(getattr(entry, "seconds", 0.0) for entry in result.history)  # the epochs before the crash
    return state.epoch + 1, state.finished
