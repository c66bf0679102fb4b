"""Training several tasks at once: each step draws a task, then a batch of that task's data.

An epoch is as many steps as one pass over every task's training data (the sum of their batch counts),
so a multi-task run has the gradient steps of all the single-task runs together — the same budget.
Which task a step serves is drawn with probability ``n_t ** (1 / T)`` (``n_t`` its training rows):
``T = 1`` is proportional sampling, a larger ``T`` gives small tasks more turns. After each epoch every
task is validated; training keeps the epoch with the best mean accuracy over the tasks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

from .._errors import ConvtextError
from ..infer import batch_tensors, bucketed_batches, min_input_length, predict_logits, sequence_lengths
from ..train import (
    EpochEnd,
    EpochLog,
    Passes,
    TrainConfig,
    TrainingStep,
    TrainResult,
    clip_gradient_norm,
    fingerprint,
    run,
    score_logits,
)
from ._network import MultiTaskNetwork

__all__ = ["MultiTaskConfig", "MultiTaskEpochLog", "MultiTaskStep", "TaskData", "fit_multitask", "task_probabilities"]

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


class MultiTaskStep(TrainingStep):
    """Every task of a ``MultiTaskNetwork`` on the engine: a batch is ``(task, rows)``, its loss the task's
    cross-entropy times the task's weight. Each task's batches come pass after pass of its own data."""

    log_type = MultiTaskEpochLog
    find_unused_parameters = True  # a step trains one task's head

    def __init__(self, network: MultiTaskNetwork, data: dict[str, TaskData], batch_size: int, tasks: MultiTaskConfig):
        super().__init__()
        self.network, self.data, self.names, self.tasks = network, data, list(data), tasks
        self.probabilities = task_probabilities({name: len(data[name].train_ids) for name in self.names}, tasks)
        self.chances = np.array([self.probabilities[name] for name in self.names])
        self.streams = {
            name: Passes(lambda rng, lengths=sequence_lengths(d.train_ids): bucketed_batches(lengths, batch_size, rng))
            for name, d in data.items()
        }  # fmt: skip
        self.steps = sum(math.ceil(len(d.train_ids) / batch_size) for d in data.values())
        self.loss_function, self.min_length = nn.CrossEntropyLoss(), min_input_length(network.body)
        self.rows_scored = 1

    def batches_per_epoch(self) -> int:
        return self.steps

    def epoch_batches(self, rng: np.random.Generator) -> list:
        turns = (self.names[i] for i in rng.choice(len(self.names), size=self.steps, p=self.chances))
        return [(name, self.streams[name].next(rng)) for name in turns]

    def start_epoch(self, epoch: int) -> None:
        self.losses, self.seen, self.counts = (dict.fromkeys(self.names, 0) for _ in range(3))

    def forward(self, batch, progress: float) -> torch.Tensor:
        name, rows = batch
        ids, mask = batch_tensors(self.data[name].train_ids, rows, self.network.body.pad_id, self.min_length)  # (B, T)
        target = torch.from_numpy(self.data[name].train_y[rows]).to(self.device)  # (B,)
        logits = self.network.task_logits(name, ids.to(self.device), mask.to(self.device))  # (B, M, C_task)
        self.rows_scored = logits.shape[1]
        loss = self.loss_function(logits.flatten(0, 1).float(), target.repeat_interleave(self.rows_scored))
        self.losses[name] += loss.item() * len(rows)
        self.seen[name] += len(rows)
        self.counts[name] += 1
        return self.tasks.weights.get(name, 1.0) * loss

    def clip_gradients(self, max_norm: float) -> None:
        clip_gradient_norm(self.network.parameters(), max_norm / self.rows_scored**0.5)

    def end_epoch(self, epoch: int, seconds: float) -> EpochEnd:
        reports = {
            name: score_logits(predict_logits(self.network.models[name], d.valid_ids), d.valid_y, d.labels)[0]
            for name, d in self.data.items()
        }
        entry = MultiTaskEpochLog(
            epoch, sum(self.losses.values()) / max(sum(self.seen.values()), 1),
            float(np.mean([r["accuracy"] for r in reports.values()])),
            float(np.mean([r["macro_f1"] for r in reports.values()])), seconds,
            tasks={name: {"steps": self.counts[name], "train_loss": self.losses[name] / max(self.seen[name], 1),
                          "valid_accuracy": r["accuracy"], "valid_macro_f1": r["macro_f1"]}
                   for name, r in reports.items()},
        )  # fmt: skip
        status = f"mean valid acc {entry.valid_accuracy:.4f}  " + "  ".join(
            f"{name} {r['accuracy']:.4f}" for name, r in reports.items()
        )
        return EpochEnd(entry, reports, entry.valid_accuracy, status)

    def fingerprint(self, settings: dict) -> str:
        ids = [row for d in self.data.values() for row in d.train_ids]
        labels = np.concatenate([d.train_y for d in self.data.values()])
        tasks = {name: len(d.train_ids) for name, d in self.data.items()}
        model = {"body": self.network.body.config(), "tasks": tasks, "multitask": asdict(self.tasks)}
        return fingerprint(ids, labels, {"model": model, "train": settings})

    def record(self, config: TrainConfig) -> dict:
        return {**super().record(config), "multitask": {**asdict(self.tasks), "probabilities": self.probabilities}}

    def batch_state(self) -> dict:
        return {name: stream.state() for name, stream in self.streams.items()}

    def load_batch_state(self, state: dict) -> None:
        for name, stream in self.streams.items():
            stream.load_state(state[name])


def fit_multitask(
    network: MultiTaskNetwork,
    data: dict[str, TaskData],
    config: TrainConfig | None = None,
    tasks: MultiTaskConfig | None = None,
    checkpoint: str | Path | None = None,
    resume: bool = False,
) -> TrainResult:
    """Train every task of ``network`` on its ``data``; keep the weights of the epoch with the best mean
    validation accuracy over the tasks (early stopping on that mean). ``checkpoint`` / ``resume``: see ``run``."""
    config, tasks = config or TrainConfig(), tasks or MultiTaskConfig()
    if set(data) != set(network.models):
        raise ConvtextError(f"data for tasks {sorted(data)} but the network has {sorted(network.models)}")
    unknown = sorted(set(tasks.weights) - set(data))
    if unknown:
        raise ConvtextError(f"loss weights for unknown tasks {unknown} — the tasks are {', '.join(data)}")
    step = MultiTaskStep(network, data, config.batch_size, tasks)
    return run(step, config, checkpoint=checkpoint, resume=resume)
