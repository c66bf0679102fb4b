"""Training several tasks at once: each step draws a task, then a batch of that task's data.

An epoch is as many steps as one pass over every task's training data (the sum of their batch counts),
so a multi-task run has the gradient steps of all the single-task runs together — the same budget.
Which task a step serves is drawn with probability ``n_t ** (1 / T)`` (``n_t`` its training rows):
``T = 1`` is proportional sampling, a larger ``T`` gives small tasks more turns. After each epoch every
task is validated; training keeps the epoch with the best mean accuracy over the tasks.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
import torch.nn as nn

from .._errors import ConvtextError
from ..train import (
    EarlyStopping,
    EpochLog,
    TrainConfig,
    TrainResult,
    batch_tensors,
    bucketed_batches,
    linear_decay,
    min_input_length,
    predict_logits,
    progress_bar,
    resolve_device,
    score_logits,
    sequence_lengths,
    set_threads,
)
from ._network import MultiTaskNetwork

__all__ = ["MultiTaskConfig", "MultiTaskEpochLog", "TaskData", "fit_multitask", "task_probabilities"]

log = logging.getLogger(__name__)

SAMPLING = ("proportional", "temperature")


@dataclass
class MultiTaskConfig:
    """How steps are shared among the tasks and how much each task's loss counts."""

    sampling: str = "temperature"  # a task's turns ∝ rows ** (1 / temperature); "proportional": ∝ its rows
    temperature: float = 2.0  # only for sampling="temperature"; 1 = proportional, larger = flatter
    weights: dict[str, float] = field(default_factory=dict)  # loss weight per task (default 1)

    def __post_init__(self) -> None:
        if self.sampling not in SAMPLING:
            raise ConvtextError(f"sampling must be one of {', '.join(SAMPLING)}, got {self.sampling!r}")
        if not self.temperature > 0:
            raise ConvtextError(f"temperature must be positive, got {self.temperature}")
        bad = {name: w for name, w in self.weights.items() if not (isinstance(w, int | float) and w >= 0)}
        if bad:
            raise ConvtextError(f"task loss weights must be numbers ≥ 0, got {bad}")


@dataclass
class TaskData:
    """One task's token ids and label ids, for training and for validation, and its label names."""

    train_ids: Sequence[Sequence[int]]
    train_y: np.ndarray  # (N,) label ids
    valid_ids: Sequence[Sequence[int]]
    valid_y: np.ndarray  # (M,) label ids
    labels: list[str]


@dataclass
class MultiTaskEpochLog(EpochLog):
    """An epoch of multi-task training: the usual log (valid scores = the mean over tasks), and per task its
    ``steps``, ``train_loss``, ``valid_accuracy`` and ``valid_macro_f1``."""

    tasks: dict[str, dict] = field(default_factory=dict)


def task_probabilities(rows: dict[str, int], config: MultiTaskConfig) -> dict[str, float]:
    """The chance that a step serves each task: ``rows ** (1 / T)``, normalised (proportional: ``T = 1``)."""
    power = 1.0 if config.sampling == "proportional" else 1.0 / config.temperature
    mass = {name: count**power for name, count in rows.items()}
    total = sum(mass.values())
    return {name: value / total for name, value in mass.items()}


def _endless_batches(lengths: np.ndarray, batch_size: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """A task's training batches, reshuffled whenever a pass over its data is used up."""
    while True:
        yield from bucketed_batches(lengths, batch_size, rng)


def _validate(network: MultiTaskNetwork, data: dict[str, TaskData]) -> dict[str, dict]:
    """Each task's validation report."""
    return {
        name: score_logits(predict_logits(network.models[name], d.valid_ids), d.valid_y, d.labels)[0]
        for name, d in data.items()
    }


def fit_multitask(
    network: MultiTaskNetwork,
    data: dict[str, TaskData],
    config: TrainConfig | None = None,
    tasks: MultiTaskConfig | None = None,
) -> TrainResult:
    """Train every task of ``network`` on its ``data``; keep the weights of the epoch with the best mean
    validation accuracy over the tasks (early stopping on that mean)."""
    config, tasks = config or TrainConfig(), tasks or MultiTaskConfig()
    if set(data) != set(network.models):
        raise ConvtextError(f"data for tasks {sorted(data)} but the network has {sorted(network.models)}")
    unknown = sorted(set(tasks.weights) - set(data))
    if unknown:
        raise ConvtextError(f"loss weights for unknown tasks {unknown} — the tasks are {', '.join(data)}")
    set_threads(config.threads)
    device = resolve_device(config.device)
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    network.to(device)
    names = list(data)
    probabilities = task_probabilities({name: len(data[name].train_ids) for name in names}, tasks)
    chances = np.array([probabilities[name] for name in names])
    streams = {
        name: _endless_batches(sequence_lengths(d.train_ids), config.batch_size, rng) for name, d in data.items()
    }
    steps_per_epoch = sum(math.ceil(len(d.train_ids) / config.batch_size) for d in data.values())
    optimizer = torch.optim.AdamW(
        [p for p in network.parameters() if p.requires_grad], lr=config.lr, weight_decay=config.weight_decay
    )
    scheduler = linear_decay(optimizer, config.epochs * steps_per_epoch) if config.lr_schedule == "linear" else None
    loss_function, min_length = nn.CrossEntropyLoss(), min_input_length(network.body)
    stopper = EarlyStopping(network, config.patience)
    record = {**asdict(config), "multitask": {**asdict(tasks), "probabilities": probabilities}}
    result, started = TrainResult(config=record), time.perf_counter()
    with progress_bar(config.progress) as progress:
        bar = progress.add_task("training", total=config.epochs * steps_per_epoch, status="")
        for epoch in range(1, config.epochs + 1):
            epoch_start = time.perf_counter()
            losses, seen, steps = dict.fromkeys(names, 0.0), dict.fromkeys(names, 0), dict.fromkeys(names, 0)
            network.train()
            for name in (names[i] for i in rng.choice(len(names), size=steps_per_epoch, p=chances)):
                batch = next(streams[name])
                ids, mask = batch_tensors(data[name].train_ids, batch, network.body.pad_id, min_length)  # (B, T)
                target = torch.from_numpy(data[name].train_y[batch]).to(device)  # (B,)
                logits = network.task_logits(name, ids.to(device), mask.to(device))  # (B, M, C_task)
                members = logits.shape[1]
                loss = loss_function(logits.flatten(0, 1).float(), target.repeat_interleave(members))
                optimizer.zero_grad(set_to_none=True)
                (tasks.weights.get(name, 1.0) * loss).backward()
                if config.grad_clip:
                    nn.utils.clip_grad_norm_(network.parameters(), config.grad_clip / members**0.5)
                optimizer.step()
                if scheduler is not None:
                    scheduler.step()
                losses[name] += loss.item() * len(batch)
                seen[name] += len(batch)
                steps[name] += 1
                progress.update(bar, advance=1, description=f"epoch {epoch}/{config.epochs}")
            reports = _validate(network, data)
            entry = MultiTaskEpochLog(
                epoch, sum(losses.values()) / max(sum(seen.values()), 1),
                float(np.mean([r["accuracy"] for r in reports.values()])),
                float(np.mean([r["macro_f1"] for r in reports.values()])), time.perf_counter() - epoch_start,
                tasks={name: {"steps": steps[name], "train_loss": losses[name] / max(seen[name], 1),
                              "valid_accuracy": r["accuracy"], "valid_macro_f1": r["macro_f1"]}
                       for name, r in reports.items()},
            )  # fmt: skip
            result.history.append(entry)
            status = f"mean valid acc {entry.valid_accuracy:.4f}  " + "  ".join(
                f"{name} {r['accuracy']:.4f}" for name, r in reports.items()
            )
            progress.update(bar, status=status)
            log.info("epoch %d: %s", epoch, status)
            stop = stopper.step(entry.valid_accuracy, epoch)
            if stopper.improved:
                result.best_epoch, result.best_valid = epoch, reports
            if stop:
                log.info(
                    "early stop after epoch %d: no better mean validation accuracy for %d epochs", epoch, stopper.stale
                )
                progress.update(bar, completed=config.epochs * steps_per_epoch)
                break
    stopper.restore()
    result.seconds = time.perf_counter() - started
    return result
