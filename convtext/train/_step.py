"""What one kind of training adds to the engine: its modules, its batches, the loss of one batch, its validation.

``run`` (the engine) owns everything the kinds share; a ``TrainingStep`` owns what differs. The step is an
``nn.Module`` whose registered children are exactly what trains — the model, plus any module of its own (DANN's
domain classifier): the optimiser, early stopping, checkpoints and DDP all see the step's parameters and state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
import torch.nn as nn

from ._config import EpochLog
from ._row_gradients import clip_gradient_norm

__all__ = ["EpochEnd", "Passes", "TrainingStep"]


@dataclass
class EpochEnd:
    """An epoch's end as a step reports it: its log entry, its validation report, the score early stopping
    compares (higher is better unless the step's ``mode`` is ``"min"``; a tuple compares in order) and one line for
    the progress bar."""

    entry: Any  # a dataclass: one row of the training history
    report: dict
    score: float | tuple[float, ...]
    status: str


class TrainingStep(nn.Module):
    """Subclasses implement ``batches_per_epoch``, ``epoch_batches``, ``forward`` (a batch's loss), ``end_epoch``
    and ``fingerprint``; the rest has defaults that fit a single model."""

    mode = "max"  # early stopping: "max" for accuracy or cosine, "min" for an error such as RMSE
    log_type: type = EpochLog  # the history entries' dataclass, to rebuild them from a checkpoint
    find_unused_parameters = False  # DDP: True when a step may leave some parameters out (one head per step)

    device = torch.device("cpu")  # where the step trains, from ``start`` on

    def start(self, device: torch.device) -> None:
        """Move to ``device`` and build any module of the step's own; runs after seeding, so its
        initialisation is seeded too."""
        self.device = device
        self.to(device)

    def batches_per_epoch(self) -> int:
        """How many batches ``epoch_batches`` returns (the schedule's length is known before the first epoch)."""
        raise NotImplementedError

    def epoch_batches(self, rng: np.random.Generator) -> list:
        """Every batch of the next epoch, drawn with ``rng`` — the same on every process under torchrun."""
        raise NotImplementedError

    def start_epoch(self, epoch: int) -> None:
        """Reset the epoch's tallies (losses, counts) before its first batch."""

    def forward(self, batch, progress: float) -> torch.Tensor:
        """The loss of one batch (a scalar to backpropagate); ``progress``: the share of training done."""
        raise NotImplementedError

    def clip_gradients(self, max_norm: float) -> None:
        """Clip the gradients before the optimiser step (every parameter together, by default)."""
        clip_gradient_norm(self.parameters(), max_norm)

    def end_epoch(self, epoch: int, seconds: float) -> EpochEnd:
        """Validate and log the epoch that just ended."""
        raise NotImplementedError

    def fingerprint(self, settings: dict) -> str:
        """A hash of the data this step trains on and ``settings``: a checkpoint of other data is refused."""
        raise NotImplementedError

    def record(self, config) -> dict:
        """The training settings as the result keeps them (``TrainResult.config``)."""
        settings = asdict(config)
        del settings["progress_label"]  # how the bar looked, not how the model trained
        return settings

    def batch_state(self) -> dict:
        """Where any batch stream that outlives an epoch stands (JSON), for a checkpoint."""
        return {}

    def load_batch_state(self, state: dict) -> None:
        """``batch_state``'s inverse, when a run resumes."""


class Passes:
    """Items drawn pass after pass: ``draw(rng)`` makes a new pass (a shuffled list) when the last is used up,
    and not before — so the generator is drawn from exactly when a lazy stream would. Its position belongs in a
    checkpoint (``state`` / ``load_state``)."""

    def __init__(self, draw: Callable[[np.random.Generator], Iterable]):
        self.draw, self.items, self.position = draw, [], 0

    def next(self, rng: np.random.Generator):
        if self.position == len(self.items):
            self.items, self.position = list(self.draw(rng)), 0
        self.position += 1
        return self.items[self.position - 1]

    def state(self) -> dict:
        return {"items": [np.asarray(item).tolist() for item in self.items], "position": self.position}

    def load_state(self, state: dict) -> None:
        self.items = [np.asarray(item, dtype=np.int64) for item in state["items"]]
        self.position = state["position"]
