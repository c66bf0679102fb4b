"""Training a text classifier on the engine: length-bucketed batches of token ids, cross-entropy (or a sigmoid per
class for multi-label, or any loss on target rows), validation accuracy (multi-label: micro-F1) and loss each epoch."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .._errors import ConvtextError
from ..infer import batch_tensors, bucketed_batches, min_input_length, predict_logits, sequence_lengths
from ..runtime import classification_report, multilabel_report
from ._checkpoint import fingerprint
from ._config import EpochLog, TrainConfig, TrainResult
from ._engine import run
from ._row_gradients import clip_gradient_norm
from ._step import EpochEnd, TrainingStep

__all__ = ["ClassificationStep", "fit", "score_logits"]

LogitRows = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]  # (B, T) ids and mask -> (B, K, C)


def score_logits(logits: np.ndarray, targets, labels: Sequence[str]) -> tuple[dict, float]:
    """The validation report of ``(N, C)`` logits and the score that picks the best epoch (accuracy, or
    micro-F1 at probability 0.5 for multi-label ``(N, C)`` targets)."""
    if np.ndim(targets) == 2:  # multi-label: (N, C) 0/1
        report = multilabel_report(targets, logits > 0.0, labels)  # logit 0 = probability 0.5
        return report, report["micro_f1"]
    report = classification_report(targets, logits.argmax(1), labels)
    return report, report["accuracy"]


def validation_loss(logits: np.ndarray, targets) -> float:
    """Unweighted cross-entropy of ``(N, C)`` logits against label ids (multi-label ``(N, C)`` 0/1 targets: binary)."""
    logits = torch.from_numpy(np.asarray(logits, dtype=np.float32))
    if np.ndim(targets) == 2:
        return float(nn.functional.binary_cross_entropy_with_logits(logits, torch.as_tensor(targets).float()))
    return float(nn.functional.cross_entropy(logits, torch.as_tensor(np.asarray(targets), dtype=torch.int64)))


def _class_weights(labels: Sequence[int], num_classes: int) -> torch.Tensor:
    counts = np.bincount(np.asarray(labels), minlength=num_classes).astype(np.float64)
    weights = np.where(counts > 0, counts.sum() / (num_classes * np.maximum(counts, 1)), 0.0)
    return torch.tensor(weights, dtype=torch.float32)


class ClassificationStep(TrainingStep):
    """One model, ``(id lists, targets)``: label ids (softmax and cross-entropy, picked by accuracy), an
    ``(N, C)`` 0/1 array (multi-label: binary cross-entropy, picked by micro-F1), or any ``(N, K)`` float rows
    with a ``loss_function(logits (B, C), rows (B, K))`` of its own (distillation). ``logit_rows`` scores a batch
    as ``(B, K, C)``: K sets of logits per text, each scored by the loss on its own (default: the model's, K = 1).
    ``loss_breaks_ties``: of epochs with the same validation score, keep the one of lower validation loss (not the
    earlier)."""

    log_type = EpochLog

    def __init__(
        self, model: nn.Module, train: tuple, valid: tuple, labels: Sequence[str], batch_size: int,
        class_weights: bool = False, loss_function: nn.Module | None = None, logit_rows: LogitRows | None = None,
        loss_breaks_ties: bool = False,
    ):  # fmt: skip
        super().__init__()
        self.loss_breaks_ties = loss_breaks_ties
        self.model, self.labels, self.batch_size = model, list(labels), batch_size
        self.train_ids, train_y = train
        self.valid_ids, self.valid_y = valid
        self.lengths, self.min_length = sequence_lengths(self.train_ids), min_input_length(model)  # (N,)
        self.multi_label = loss_function is None and np.ndim(train_y) == 2
        self.rows_as_targets = self.multi_label or loss_function is not None  # (N, K) float rows, not label ids
        if self.rows_as_targets and class_weights:
            raise ConvtextError(
                "class_weights is for single-label data with the plain loss; this run weighs no classes"
            )
        dtype = np.float32 if self.rows_as_targets else np.int64
        self.train_y = np.asarray(train_y, dtype=dtype)  # (N, K) | (N,)
        self.class_weights, self.loss_function = class_weights, loss_function
        self.logit_rows = logit_rows or (lambda ids, mask: self.model(ids, mask).unsqueeze(1))
        self.rows_scored = 1

    def start(self, device: torch.device) -> None:
        super().start(device)
        if self.rows_as_targets:
            self.targets = torch.as_tensor(self.train_y, device=device)  # (N, K)
            self.loss_function = self.loss_function or nn.BCEWithLogitsLoss()
        else:
            weight = _class_weights(self.train_y, len(self.labels)).to(device) if self.class_weights else None
            self.loss_function = nn.CrossEntropyLoss(weight=weight)

    def batches_per_epoch(self) -> int:
        return -(-len(self.train_ids) // self.batch_size)

    def epoch_batches(self, rng: np.random.Generator) -> list:
        return bucketed_batches(self.lengths, self.batch_size, rng)

    def start_epoch(self, epoch: int) -> None:
        self.total_loss, self.seen = 0.0, 0

    def forward(self, batch, progress: float) -> torch.Tensor:
        loss = self._batch_loss(batch)
        self.total_loss, self.seen = self.total_loss + loss.item() * len(batch), self.seen + len(batch)
        return loss

    def _batch_loss(self, batch) -> torch.Tensor:
        device = self.device
        ids, mask = batch_tensors(self.train_ids, batch, self.model.pad_id, self.min_length)  # (B, T)
        ids, mask = ids.to(device, non_blocking=True), mask.to(device, non_blocking=True)
        if self.rows_as_targets:
            target = self.targets[batch]  # (B, K)
        else:
            target = torch.from_numpy(self.train_y[batch]).to(device)  # (B,)
        logits = self.logit_rows(ids, mask)  # (B, K, C): each set of logits scored on its own
        self.rows_scored = logits.shape[1]
        return self.loss_function(logits.flatten(0, 1).float(), target.repeat_interleave(self.rows_scored, dim=0))

    def _starting_loss(self) -> float:
        """Epoch 0: the loss of the weights as they are over the whole training set (no dropout, no update)."""
        self.eval()
        total, rows = 0.0, len(self.train_ids)
        with torch.inference_mode():
            for start in range(0, rows, self.batch_size):
                batch = np.arange(start, min(start + self.batch_size, rows))
                total += self._batch_loss(batch).item() * len(batch)
        return total / max(rows, 1)

    def clip_gradients(self, max_norm: float) -> None:
        # K sets of logits add up their gradients in the norm: clip where one alone would be
        clip_gradient_norm(self.model.parameters(), max_norm / self.rows_scored**0.5)

    def end_epoch(self, epoch: int, seconds: float) -> EpochEnd:
        logits = predict_logits(self.model, self.valid_ids)  # (N, C)
        report, score = score_logits(logits, self.valid_y, self.labels)
        valid_loss = validation_loss(logits, self.valid_y)
        train_loss = self.total_loss / self.seen if self.seen else self._starting_loss()
        entry = EpochLog(
            epoch, train_loss, report["accuracy"], report["macro_f1"], seconds,
            report.get("micro_f1"), valid_loss,
        )  # fmt: skip
        status = f"loss {entry.train_loss:.4f}  valid loss {valid_loss:.4f}  acc {entry.valid_accuracy:.4f}  "
        status += f"F1 {entry.valid_macro_f1:.4f}"
        if self.multi_label:
            status += f"  micro-F1 {entry.valid_micro_f1:.4f}"
        return EpochEnd(entry, report, (score, -valid_loss) if self.loss_breaks_ties else score, status)

    def fingerprint(self, settings: dict) -> str:
        model = self.model.config() if hasattr(self.model, "config") else type(self.model).__name__
        return fingerprint(self.train_ids, self.train_y, {"model": model, "train": settings})


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
    logit_rows: LogitRows | None = None,
    loss_breaks_ties: bool = False,
    on_epoch_end: Callable[[int, dict], None] | None = None,
) -> TrainResult:
    """Train ``model`` on ``(id lists, targets)`` on the engine (``run``); keep the weights of the best
    validation score. Targets, ``loss_function``, ``logit_rows`` and ``loss_breaks_ties``: see ``ClassificationStep``;
    validation targets are label ids (or the ``(N, C)`` 0/1 array). The other options are ``run``'s."""
    config = config or TrainConfig()
    step = ClassificationStep(
        model,
        train,
        valid,
        labels,
        config.batch_size,
        config.class_weights,
        loss_function,
        logit_rows,
        loss_breaks_ties,
    )
    return run(step, config, parameter_groups, on_epoch_start, validate_first, checkpoint, resume, on_epoch_end)
