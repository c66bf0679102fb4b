"""Unsupervised domain adaptation by backpropagation (DANN, Ganin et al. 2016) for any convtext model.

Each step draws a labelled source batch and an equally large batch of *unlabelled* target texts. The
body's sentence vectors of both go, through the gradient-reversal layer, to a small domain classifier
(source = 0, target = 1); the source vectors also go to the task head. The domain classifier learns to
tell the domains apart while the reversed gradient teaches the body features it cannot tell apart,
so what the head learns on the source carries over to the target. λ follows Ganin's schedule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
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
from ._reversal import dann_lambda, reverse_gradient

__all__ = ["AdaptEpochLog", "DannConfig", "DannStep", "DomainClassifier", "fit_dann"]


@dataclass
class DannConfig:
    """The domain side of DANN: the domain classifier's hidden size, the λ schedule, and the self-training round."""

    domain_hidden: int = 100
    gamma: float = 10.0  # λ = scale · (2 / (1 + exp(-γ p)) - 1), p = share of training done
    scale: float = 0.03  # λ's final value; of 0.03 / 0.1 / 0.3 / 1 the best on two Amazon pairs (B→K, E→B, fold 0)
    self_training: float = 0.5  # share of the target texts pseudo-labelled for a second round; 0 = DANN alone

    def __post_init__(self) -> None:
        if self.domain_hidden < 1 or self.gamma <= 0 or self.scale < 0 or not 0 <= self.self_training <= 1:
            raise ConvtextError(
                f"domain_hidden ≥ 1, gamma > 0, scale ≥ 0 and 0 ≤ self_training ≤ 1 are needed, got {self}"
            )


@dataclass
class AdaptEpochLog(EpochLog):
    """An epoch of DANN: the usual log, plus how well the domain classifier told the domains apart."""

    domain_accuracy: float = 0.0  # on the epoch's training batches; 0.5 = the features hide the domain
    domain_lambda: float = 0.0  # λ at the end of the epoch


class DomainClassifier(nn.Module):
    """Sentence vector ``(B, F)`` -> ``(B,)`` logit of "target domain": one hidden ReLU layer."""

    def __init__(self, num_features: int, hidden: int = 100):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(num_features, hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.layers(features).squeeze(-1)  # (B,)


class DannStep(TrainingStep):
    """DANN on the engine: a batch is ``(source rows, target rows)``, as many of each; its loss the task's
    cross-entropy on the source rows plus the domain classifier's on both. The target rows come pass after
    pass of the target texts, in their own order."""

    log_type = AdaptEpochLog

    def __init__(
        self, model: nn.Module, source: tuple, target: Sequence[Sequence[int]], valid: tuple, labels: Sequence[str],
        batch_size: int, dann: DannConfig,
    ):  # fmt: skip
        super().__init__()
        self.model, self.dann, self.batch_size = model, dann, batch_size
        self.source_ids, self.source_y = source[0], np.asarray(source[1], dtype=np.int64)  # (N,)
        self.target_ids, self.valid, self.labels = target, valid, list(labels)
        self.lengths, self.min_length = sequence_lengths(self.source_ids), min_input_length(model)
        self.target_rows = Passes(lambda rng: rng.permutation(len(target)))
        self.task_loss, self.domain_loss = nn.CrossEntropyLoss(), nn.BCEWithLogitsLoss()

    def start(self, device: torch.device) -> None:
        super().start(device)
        self.domain = DomainClassifier(self.model.num_features, self.dann.domain_hidden).to(device)

    def batches_per_epoch(self) -> int:
        return -(-len(self.source_ids) // self.batch_size)

    def epoch_batches(self, rng: np.random.Generator) -> list:
        source = bucketed_batches(self.lengths, self.batch_size, rng)
        draw = self.target_rows.next
        return [(rows, np.fromiter((draw(rng) for _ in rows), dtype=np.int64, count=len(rows))) for rows in source]

    def start_epoch(self, epoch: int) -> None:
        self.total_loss, self.seen, self.domain_right, self.domain_seen, self.strength = 0.0, 0, 0, 0, 0.0

    def forward(self, batch, progress: float) -> torch.Tensor:
        rows, target_rows = batch
        self.strength = dann_lambda(progress, self.dann.gamma, self.dann.scale)
        pad, device = self.model.pad_id, self.device
        ids, mask = batch_tensors(self.source_ids, rows, pad, self.min_length)  # (B, T)
        target_ids, target_mask = batch_tensors(self.target_ids, target_rows, pad, self.min_length)  # (B, T')
        source_features = self.model.forward_features(ids.to(device), mask.to(device))  # (B, F)
        target_features = self.model.forward_features(target_ids.to(device), target_mask.to(device))  # (B, F)
        logits = self.model.forward_head(source_features)  # (B, C)
        both = reverse_gradient(torch.cat([source_features, target_features]), self.strength)  # (2B, F)
        is_target = torch.cat([torch.zeros(len(rows)), torch.ones(len(target_rows))]).to(device)  # (2B,)
        domain_logits = self.domain(both)  # (2B,)
        loss = self.task_loss(logits, torch.from_numpy(self.source_y[rows]).to(device))
        loss = loss + self.domain_loss(domain_logits, is_target)
        self.total_loss, self.seen = self.total_loss + loss.item() * len(rows), self.seen + len(rows)
        self.domain_right += int(((domain_logits > 0).float() == is_target).sum())
        self.domain_seen += len(is_target)
        return loss

    def clip_gradients(self, max_norm: float) -> None:
        # each network on its own: the domain classifier's gradient must not shrink the body's
        clip_gradient_norm(self.model.parameters(), max_norm)
        clip_gradient_norm(self.domain.parameters(), max_norm)

    def end_epoch(self, epoch: int, seconds: float) -> EpochEnd:
        report, score = score_logits(predict_logits(self.model, self.valid[0]), self.valid[1], self.labels)
        entry = AdaptEpochLog(
            epoch, self.total_loss / max(self.seen, 1), report["accuracy"], report["macro_f1"], seconds,
            domain_accuracy=self.domain_right / max(self.domain_seen, 1), domain_lambda=self.strength,
        )  # fmt: skip
        status = (
            f"loss {entry.train_loss:.4f}  valid acc {entry.valid_accuracy:.4f}  "
            f"domain acc {entry.domain_accuracy:.3f}  λ {self.strength:.3f}"
        )
        return EpochEnd(entry, report, score, status)

    def fingerprint(self, settings: dict) -> str:
        model = {"model": self.model.config(), "dann": asdict(self.dann), "target_rows": len(self.target_ids)}
        ids = list(self.source_ids) + list(self.target_ids)
        return fingerprint(ids, self.source_y, {"model": model, "train": settings})

    def record(self, config: TrainConfig) -> dict:
        return {**super().record(config), "dann": asdict(self.dann)}

    def batch_state(self) -> dict:
        return {"target": self.target_rows.state()}

    def load_batch_state(self, state: dict) -> None:
        self.target_rows.load_state(state["target"])


def fit_dann(
    model: nn.Module,
    source: tuple[Sequence[Sequence[int]], Sequence[int]],
    target: Sequence[Sequence[int]],
    valid: tuple[Sequence[Sequence[int]], Sequence[int]],
    labels: Sequence[str],
    config: TrainConfig | None = None,
    dann: DannConfig | None = None,
    checkpoint: str | Path | None = None,
    resume: bool = False,
) -> TrainResult:
    """Train ``model`` on labelled ``source`` ids and unlabelled ``target`` ids; keep the best weights on ``valid``
    (a small labelled target set when there is one, else held-out source data). ``checkpoint`` / ``resume``:
    see ``run``."""
    config, dann = config or TrainConfig(), dann or DannConfig()
    if len(target) == 0:
        raise ConvtextError("DANN needs unlabelled target texts — give some")
    step = DannStep(model, source, target, valid, labels, config.batch_size, dann)
    return run(step, config, checkpoint=checkpoint, resume=resume)
