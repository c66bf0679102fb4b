"""Unsupervised domain adaptation by backpropagation (DANN, Ganin et al. 2016) for any convtext model.

Each step draws a labelled source batch and an equally large batch of *unlabelled* target texts. The
body's sentence vectors of both go, through the gradient-reversal layer, to a small domain classifier
(source = 0, target = 1); the source vectors also go to the task head. The domain classifier learns to
tell the domains apart while the reversed gradient teaches the body features it cannot tell apart,
so what the head learns on the source carries over to the target. λ follows Ganin's schedule.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass

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
    resolve_device,
    score_logits,
    sequence_lengths,
    set_threads,
)
from ._reversal import dann_lambda, reverse_gradient

__all__ = ["AdaptEpochLog", "DannConfig", "DomainClassifier", "fit_dann"]

log = logging.getLogger(__name__)


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


def _target_batches(count: int, rng: np.random.Generator):
    """An endless stream of target indices, a fresh permutation each time the last one is used up."""
    while True:
        yield from rng.permutation(count)


def fit_dann(
    model: nn.Module,
    source: tuple[Sequence[Sequence[int]], Sequence[int]],
    target: Sequence[Sequence[int]],
    valid: tuple[Sequence[Sequence[int]], Sequence[int]],
    labels: Sequence[str],
    config: TrainConfig | None = None,
    dann: DannConfig | None = None,
) -> TrainResult:
    """Train ``model`` on labelled ``source`` ids and unlabelled ``target`` ids; keep the best weights on ``valid``
    (a small labelled target set when there is one, else held-out source data)."""
    config, dann = config or TrainConfig(), dann or DannConfig()
    if len(target) == 0:
        raise ConvtextError("DANN needs unlabelled target texts — give some")
    set_threads(config.threads)
    device = resolve_device(config.device)
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    model.to(device)
    domain = DomainClassifier(model.num_features, dann.domain_hidden).to(device)
    source_ids, source_y = source[0], np.asarray(source[1], dtype=np.int64)  # (N,)
    parameters = [p for p in model.parameters() if p.requires_grad] + list(domain.parameters())
    optimizer = torch.optim.AdamW(parameters, lr=config.lr, weight_decay=config.weight_decay)
    total_steps = config.epochs * math.ceil(len(source_ids) / config.batch_size)
    scheduler = None
    if config.lr_schedule == "linear":
        scheduler = linear_decay(optimizer, total_steps)
    task_loss, domain_loss = nn.CrossEntropyLoss(), nn.BCEWithLogitsLoss()
    lengths, min_length = sequence_lengths(source_ids), min_input_length(model)
    targets, stopper = _target_batches(len(target), rng), EarlyStopping(model, config.patience)
    result, step, started = TrainResult(config={**asdict(config), "dann": asdict(dann)}), 0, time.perf_counter()
    for epoch in range(1, config.epochs + 1):
        epoch_start, total_loss, seen, domain_right, domain_seen = time.perf_counter(), 0.0, 0, 0, 0
        model.train()
        domain.train()
        for batch in bucketed_batches(lengths, config.batch_size, rng):
            strength = dann_lambda(step / total_steps, dann.gamma, dann.scale)
            target_batch = np.fromiter(targets, dtype=np.int64, count=len(batch))
            ids, mask = batch_tensors(source_ids, batch, model.pad_id, min_length)  # (B, T)
            target_ids, target_mask = batch_tensors(target, target_batch, model.pad_id, min_length)  # (B, T')
            source_features = model.forward_features(ids.to(device), mask.to(device))  # (B, F)
            target_features = model.forward_features(target_ids.to(device), target_mask.to(device))  # (B, F)
            logits = model.forward_head(source_features)  # (B, C)
            both = reverse_gradient(torch.cat([source_features, target_features]), strength)  # (2B, F)
            is_target = torch.cat([torch.zeros(len(batch)), torch.ones(len(target_batch))]).to(device)  # (2B,)
            domain_logits = domain(both)  # (2B,)
            loss = task_loss(logits, torch.from_numpy(source_y[batch]).to(device))
            loss = loss + domain_loss(domain_logits, is_target)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if config.grad_clip:  # each network on its own: the domain classifier's gradient must not shrink the body's
                nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
                nn.utils.clip_grad_norm_(domain.parameters(), config.grad_clip)
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            step += 1
            total_loss, seen = total_loss + loss.item() * len(batch), seen + len(batch)
            domain_right += int(((domain_logits > 0).float() == is_target).sum())
            domain_seen += len(is_target)
        report, score = score_logits(predict_logits(model, valid[0]), valid[1], labels)
        entry = AdaptEpochLog(
            epoch, total_loss / max(seen, 1), report["accuracy"], report["macro_f1"], time.perf_counter() - epoch_start,
            domain_accuracy=domain_right / max(domain_seen, 1), domain_lambda=strength,
        )  # fmt: skip
        result.history.append(entry)
        log.info(
            "epoch %d: loss %.4f  valid acc %.4f  domain acc %.3f  λ %.3f",
            epoch, entry.train_loss, entry.valid_accuracy, entry.domain_accuracy, strength,
        )  # fmt: skip
        stop = stopper.step(score, epoch)
        if stopper.improved:
            result.best_epoch, result.best_valid = epoch, report
        if stop:
            break
    stopper.restore()
    result.seconds = time.perf_counter() - started
    return result
