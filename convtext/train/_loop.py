"""The training loop: AdamW, length-bucketed batches, validation each epoch, early stopping, best weights kept."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from torch import nn

from .._errors import ConvtextError
from ..infer import (
    autocast,
    batch_tensors,
    bucketed_batches,
    min_input_length,
    predict_logits,
    resolve_device,
    sequence_lengths,
    set_threads,
)
from ._checkpoint import CheckpointState, fingerprint, read_checkpoint, write_checkpoint
from ._distributed import MemberLogits, is_main_process, join_process_group, shard_batches, world
from ._early_stopping import EarlyStopping
from ._metrics import classification_report, multilabel_report

__all__ = [
    "EpochLog",
    "TrainConfig",
    "TrainResult",
    "ensemble_result",
    "fit",
    "linear_decay",
    "progress_bar",
    "score_logits",
]

log = logging.getLogger(__name__)


@dataclass
class TrainConfig:
    """How to train. Defaults follow Kim (2014) where it is known to work, AdamW where it is simpler."""

    epochs: int = 8
    batch_size: int = 50  # Kim's mini-batch size
    lr: float = 2e-3  # AdamW peak rate; Kim's Adadelta needs no rate but converges more slowly
    weight_decay: float = 1e-4
    patience: int = 3  # epochs without a better validation score before stopping
    grad_clip: float = 1.0  # max gradient norm; keeps the first steps of random embeddings tame
    lr_schedule: str = "linear"  # decay to 0 over all epochs (as fastText does; +0.7 on SST-2), or "constant"
    class_weights: bool = False  # weight the loss by inverse class frequency (imbalanced labels)
    seed: int = 0
    threads: int | None = None  # None = all cores
    progress: bool = True
    device: str = "auto"  # auto (CUDA when there is a GPU), cpu or cuda
    mixed_precision: bool = True  # bfloat16 autocast on CUDA (ignored on CPU)

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size", "patience"):
            if getattr(self, name) < 1:
                raise ConvtextError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.lr <= 0:
            raise ConvtextError(f"lr must be positive, got {self.lr}")
        if self.lr_schedule not in ("linear", "constant"):
            raise ConvtextError(f"lr_schedule must be 'linear' or 'constant', got {self.lr_schedule!r}")


@dataclass
class EpochLog:
    epoch: int
    train_loss: float
    valid_accuracy: float  # multi-label: exact-match accuracy
    valid_macro_f1: float
    seconds: float
    valid_micro_f1: float | None = None  # multi-label only: what picks the best epoch there


@dataclass
class TrainResult:
    """What training did: one log per epoch, the epoch whose weights were kept, its validation report."""

    history: list[EpochLog] = field(default_factory=list)
    best_epoch: int = 0
    best_valid: dict = field(default_factory=dict)
    seconds: float = 0.0
    config: dict = field(default_factory=dict)


def ensemble_result(results: list[TrainResult], best_valid: dict, seed: int, member_scores: list) -> TrainResult:
    """The record of an ensemble whose members trained one at a time: the first member's curve, the joined
    model's validation report, the members' seconds summed, ``config["members"]`` one entry per member."""
    members = [{"seed": seed + index, "best_epoch": result.best_epoch, "valid_accuracy": score}
               for index, (result, score) in enumerate(zip(results, member_scores))]  # fmt: skip
    return TrainResult(
        history=results[0].history, best_epoch=results[0].best_epoch, best_valid=best_valid,
        seconds=sum(r.seconds for r in results), config={**results[0].config, "seed": seed, "members": members},
    )  # fmt: skip


def linear_decay(optimizer: torch.optim.Optimizer, total_steps: int) -> torch.optim.lr_scheduler.LambdaLR:
    """The learning rate falling linearly from its peak to 0 over ``total_steps`` (as fastText does)."""
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: max(0.0, 1 - step / total_steps))


def _class_weights(labels: Sequence[int], num_classes: int) -> torch.Tensor:
    counts = np.bincount(np.asarray(labels), minlength=num_classes).astype(np.float64)
    weights = np.where(counts > 0, counts.sum() / (num_classes * np.maximum(counts, 1)), 0.0)
    return torch.tensor(weights, dtype=torch.float32)


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


def _validate(model: nn.Module, ids: Sequence[Sequence[int]], targets, labels: Sequence[str]) -> tuple[dict, float]:
    return score_logits(predict_logits(model, ids), targets, labels)


def score_logits(logits: np.ndarray, targets, labels: Sequence[str]) -> tuple[dict, float]:
    """The validation report of ``(N, C)`` logits and the score that picks the best epoch (accuracy, or
    micro-F1 at probability 0.5 for multi-label ``(N, C)`` targets)."""
    if np.ndim(targets) == 2:  # multi-label: (N, C) 0/1
        report = multilabel_report(targets, logits > 0.0, labels)  # logit 0 = probability 0.5
        return report, report["micro_f1"]
    report = classification_report(targets, logits.argmax(1), labels)
    return report, report["accuracy"]


def fit(
    model: nn.Module,
    train: tuple[Sequence[Sequence[int]], Sequence[int] | np.ndarray],
    valid: tuple[Sequence[Sequence[int]], Sequence[int] | np.ndarray],
    labels: Sequence[str],
    config: TrainConfig | None = None,
    parameter_groups: list[dict] | None = None,
    on_epoch_start: Callable[[int], None] | None = None,
    validate_first: bool = False,
    checkpoint: str | Path | None = None,
    resume: bool = False,
    loss_function: nn.Module | None = None,
) -> TrainResult:
    """Train ``model`` on ``(id lists, targets)``; keep the weights of the best validation score.

    Targets are label ids (one class per text: softmax and cross-entropy, picked by accuracy) or an
    ``(N, C)`` 0/1 array (multi-label: a sigmoid per class and binary cross-entropy, picked by
    micro-F1). ``parameter_groups`` are AdamW's (each with its own ``lr``; default: every trainable
    parameter at ``config.lr``); a parameter that is frozen gets no gradient, so AdamW leaves it
    exactly as it was. ``loss_function(logits (B, C), target rows (B, K))`` replaces both losses: the
    training targets are then any ``(N, K)`` float array (distillation: teacher logits and label ids),
    validation targets stay label ids. ``on_epoch_start(epoch)`` runs before each epoch (gradual unfreezing).
    ``validate_first`` scores the starting weights as epoch 0, kept if no epoch beats them.

    ``checkpoint``: a file that receives the whole training state after every epoch (atomically);
    with ``resume`` and that file present, training goes on from it — with the same seed, a resumed
    run ends with the same weights as one never interrupted (same device and threads).
    """
    config = config or TrainConfig()
    set_threads(config.threads)
    device = resolve_device(config.device)
    model.to(device)
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    train_ids, train_y = train
    valid_ids, valid_y = valid
    lengths = sequence_lengths(train_ids)  # (N,)
    min_length = min_input_length(model)
    multi_label = loss_function is None and np.ndim(train_y) == 2
    rows_as_targets = multi_label or loss_function is not None  # (N, K) float rows, not label ids
    if rows_as_targets:
        if config.class_weights:
            raise ConvtextError(
                "class_weights is for single-label data with the plain loss; this run weighs no classes"
            )
        train_y = torch.as_tensor(np.asarray(train_y), dtype=torch.float32, device=device)  # (N, K)
        loss_function = loss_function or nn.BCEWithLogitsLoss()
    else:
        train_y = np.asarray(train_y, dtype=np.int64)  # (N,)
        weight = _class_weights(train_y, len(labels)).to(device) if config.class_weights else None
        loss_function = nn.CrossEntropyLoss(weight=weight)
    if parameter_groups is None:
        parameter_groups = [{"params": [p for p in model.parameters() if p.requires_grad]}]
    optimizer = torch.optim.AdamW(parameter_groups, lr=config.lr, weight_decay=config.weight_decay)
    distributed = join_process_group(device)  # under torchrun: DDP, each process its share of the batches
    rank, processes = world()
    steps_per_epoch = math.ceil(math.ceil(len(train_ids) / config.batch_size) / processes)  # this process's
    total_steps = config.epochs * steps_per_epoch
    scheduler = None
    if config.lr_schedule == "linear":
        scheduler = linear_decay(optimizer, total_steps)
    result = TrainResult(config=asdict(config))
    stopper = EarlyStopping(model, config.patience)
    checkpoint = Path(checkpoint) if checkpoint is not None else None
    if checkpoint is not None:  # what a checkpoint must have been written by to be resumed here
        run = fingerprint(train_ids, train_y.cpu() if rows_as_targets else train_y, _run_settings(model, config))
    first_epoch, finished = 1, False
    if checkpoint is not None and resume and checkpoint.is_file():
        first_epoch, finished = _resume(
            read_checkpoint(checkpoint, run), model, optimizer, scheduler, rng, stopper, result
        )
        log.info("resumed from %s after epoch %d", checkpoint, first_epoch - 1)
    elif validate_first:
        result.best_valid, score = _validate(model, valid_ids, valid_y, labels)
        stopper.step(score, 0)
    started = time.perf_counter()
    with progress_bar(config.progress) as progress:
        task = progress.add_task(
            "training", total=total_steps, status="", completed=(first_epoch - 1) * steps_per_epoch
        )
        for epoch in range(first_epoch, 1 if finished else config.epochs + 1):
            epoch_start, total_loss, seen = time.perf_counter(), 0.0, 0
            if on_epoch_start is not None:
                on_epoch_start(epoch)
            model.train()
            scorer = model.member_logits
            if distributed:  # wrapped each epoch: DDP syncs the parameters that are trainable now (gradual unfreezing)
                scorer = nn.parallel.DistributedDataParallel(MemberLogits(model))
            batches = bucketed_batches(lengths, config.batch_size, rng)  # the same on every process (same seed)
            for batch in shard_batches(batches, rank, processes) if distributed else batches:
                ids, mask = batch_tensors(train_ids, batch, model.pad_id, min_length)  # (B, T)
                ids, mask = ids.to(device, non_blocking=True), mask.to(device, non_blocking=True)
                target = (
                    train_y[batch] if rows_as_targets else torch.from_numpy(train_y[batch]).to(device)
                )  # (B, K) | (B,)
                with autocast(device, config.mixed_precision):
                    logits = scorer(ids, mask)  # (B, M, C): each member scored on its own
                members = logits.shape[1]
                loss = loss_function(logits.flatten(0, 1).float(), target.repeat_interleave(members, dim=0))
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                if config.grad_clip:  # members' gradients add up in the norm: clip where one member alone would be
                    nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip / members**0.5)
                optimizer.step()
                if scheduler is not None:
                    scheduler.step()
                total_loss, seen = total_loss + loss.item() * len(batch), seen + len(batch)
                progress.update(task, advance=1, description=f"epoch {epoch}/{config.epochs}")
            report, score = _validate(model, valid_ids, valid_y, labels)
            entry = EpochLog(
                epoch, total_loss / max(seen, 1), report["accuracy"], report["macro_f1"],
                time.perf_counter() - epoch_start, report.get("micro_f1"),
            )  # fmt: skip
            result.history.append(entry)
            status = f"loss {entry.train_loss:.4f}  valid acc {entry.valid_accuracy:.4f}  F1 {entry.valid_macro_f1:.4f}"
            if multi_label:
                status += f"  micro-F1 {entry.valid_micro_f1:.4f}"
            progress.update(task, status=status)
            log.info("epoch %d: %s", epoch, status)
            stop = stopper.step(score, epoch)
            if stopper.improved:
                result.best_epoch, result.best_valid = epoch, report
            if checkpoint is not None and is_main_process():
                state = _checkpoint_state(
                    epoch, stop or epoch == config.epochs, model, optimizer, scheduler, rng, stopper, result
                )
                write_checkpoint(checkpoint, state, run)
            if stop:
                log.info("early stop after epoch %d: no better validation score for %d epochs", epoch, stopper.stale)
                progress.update(task, completed=total_steps)
                break
    stopper.restore()
    result.seconds += time.perf_counter() - started
    return result


def _run_settings(model: nn.Module, config: TrainConfig) -> dict:
    """What must match for a checkpoint to continue this run: the model's shape and the training settings
    that change the result (threads, device and progress bars do not)."""
    settings = {key: value for key, value in asdict(config).items() if key not in ("threads", "progress", "device")}
    return {"model": model.config() if hasattr(model, "config") else type(model).__name__, "train": settings}


def _checkpoint_state(epoch, finished, model, optimizer, scheduler, rng, stopper, result) -> CheckpointState:
    return CheckpointState(
        epoch=epoch, finished=finished, model=model.state_dict(), best=stopper.best_state,
        optimizer=optimizer.state_dict(), scheduler=scheduler.state_dict() if scheduler is not None else None,
        numpy_rng=rng.bit_generator.state, torch_rng=torch.get_rng_state(),
        progress={
            "history": [asdict(entry) for entry in result.history], "best_epoch": result.best_epoch,
            "best_valid": result.best_valid, "best_score": stopper.best_score, "stale": stopper.stale,
        },
    )  # fmt: skip


def _resume(state: CheckpointState, model, optimizer, scheduler, rng, stopper, result) -> tuple[int, bool]:
    """Load a checkpoint into the live objects; returns the epoch to start from and whether training had ended."""
    model.load_state_dict(state.model)
    optimizer.load_state_dict(state.optimizer)
    if scheduler is not None and state.scheduler is not None:
        scheduler.load_state_dict(state.scheduler)
    rng.bit_generator.state = state.numpy_rng
    torch.set_rng_state(state.torch_rng)
    progress = state.progress
    device = next(model.parameters()).device
    best = {name: tensor.to(device) for name, tensor in state.best.items()} if state.best is not None else None
    stopper.resume(progress["best_score"], progress["best_epoch"], progress["stale"], best)
    result.history = [EpochLog(**entry) for entry in progress["history"]]
    result.best_epoch, result.best_valid = progress["best_epoch"], progress["best_valid"]
    result.seconds = sum(entry.seconds for entry in result.history)  # the epochs before the interruption
    return state.epoch + 1, state.finished
