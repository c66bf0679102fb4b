"""Training a model's outputs to match target vectors (cosine) on the engine, early stopped on held-out cosine."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

from ..infer import batch_tensors, bucketed_batches, min_input_length, predict_logits, sequence_lengths
from ..train import EpochEnd, TrainConfig, TrainingStep, fingerprint, run

__all__ = ["VectorEpochLog", "VectorStep", "fit_vectors", "mean_cosine", "predict_vectors"]


def predict_vectors(model: nn.Module, sequences: Sequence[Sequence[int]], batch_size: int = 256) -> np.ndarray:
    """``(N, D)`` unit-length model outputs in input order."""
    vectors = predict_logits(model, sequences, batch_size)  # (N, D): the head's outputs
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def mean_cosine(predicted: np.ndarray, target: np.ndarray) -> float:
    """Mean cosine similarity of unit-length rows ``(N, D)``."""
    return float(np.mean(np.sum(predicted * target, axis=1)))


@dataclass
class VectorEpochLog:
    epoch: int
    train_loss: float
    valid_cosine: float
    seconds: float


class VectorStep(TrainingStep):
    """A model whose output for each text should point where its target vector does: loss ``1 - cosine``,
    picked by the mean validation cosine."""

    log_type = VectorEpochLog

    def __init__(self, model: nn.Module, train: tuple, valid: tuple, batch_size: int):
        super().__init__()
        self.model, self.batch_size = model, batch_size
        self.train_ids, self.train_vectors = train[0], np.asarray(train[1])  # (N, D)
        self.valid = valid
        self.lengths, self.min_length = sequence_lengths(self.train_ids), min_input_length(model)

    def start(self, device: torch.device) -> None:
        super().start(device)
        self.targets = torch.as_tensor(self.train_vectors, device=device)  # (N, D)

    def batches_per_epoch(self) -> int:
        return -(-len(self.train_ids) // self.batch_size)

    def epoch_batches(self, rng: np.random.Generator) -> list:
        return bucketed_batches(self.lengths, self.batch_size, rng)

    def start_epoch(self, epoch: int) -> None:
        self.total_loss = 0.0

    def forward(self, batch, progress: float) -> torch.Tensor:
        ids, mask = batch_tensors(self.train_ids, batch, self.model.pad_id, self.min_length)  # (B, T)
        output = self.model(ids.to(self.device), mask.to(self.device))  # (B, D)
        loss = 1.0 - nn.functional.cosine_similarity(output.float(), self.targets[batch], dim=-1).mean()
        self.total_loss += loss.item() * len(batch)
        return loss

    def end_epoch(self, epoch: int, seconds: float) -> EpochEnd:
        cosine = mean_cosine(predict_vectors(self.model, self.valid[0]), self.valid[1])
        entry = VectorEpochLog(epoch, self.total_loss / len(self.train_ids), cosine, seconds)
        return EpochEnd(entry, {"cosine": cosine}, cosine, f"loss {entry.train_loss:.4f}  valid cosine {cosine:.4f}")

    def fingerprint(self, settings: dict) -> str:
        return fingerprint(self.train_ids, self.train_vectors, {"model": self.model.config(), "train": settings})


def fit_vectors(
    model: nn.Module,
    train: tuple[Sequence[Sequence[int]], np.ndarray],
    valid: tuple[Sequence[Sequence[int]], np.ndarray],
    config: TrainConfig,
    checkpoint: str | Path | None = None,
    resume: bool = False,
) -> tuple[list[dict], int]:
    """Train ``model`` so that its output for each text points where the target vector does (1 - cosine), on
    the engine (``run``). Keeps the weights of the epoch with the best validation cosine; returns the history
    and that epoch."""
    result = run(VectorStep(model, train, valid, config.batch_size), config, checkpoint=checkpoint, resume=resume)
    return [asdict(entry) for entry in result.history], result.best_epoch
