"""Feature extraction done once: the frozen body's sentence vectors are computed a single time and a
new head is trained on them to convergence (a convex problem, like logistic regression)."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import asdict

import numpy as np
import torch
import torch.nn as nn

from ..models import TextModel
from ..train import (
    EarlyStopping,
    EpochLog,
    TrainConfig,
    TrainResult,
    predict_features,
    resolve_device,
    score_logits,
    set_threads,
)

__all__ = ["HEAD_MAX_EPOCHS", "HEAD_LR_MULT", "fit_head"]

log = logging.getLogger(__name__)

HEAD_MAX_EPOCHS = 100  # upper bound; early stopping ends far sooner
HEAD_LR_MULT = 5.0  # a lone linear layer on fixed features takes a larger step than a whole network


def fit_head(
    model: TextModel,
    train: tuple[Sequence[Sequence[int]], Sequence[int] | np.ndarray],
    valid: tuple[Sequence[Sequence[int]], Sequence[int] | np.ndarray],
    labels: Sequence[str],
    config: TrainConfig,
) -> TrainResult:
    """Train only ``model.head`` (after the body's dropout) on cached features; keep the best validation epoch.

    Patience is ``config.patience + 2`` epochs; epochs are cheap here, so up to ``HEAD_MAX_EPOCHS``.
    """
    set_threads(config.threads)
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    started = time.perf_counter()
    device = resolve_device(config.device)
    model.to(device)
    train_x = torch.from_numpy(predict_features(model, train[0])).to(device)  # (N, F)
    valid_x = torch.from_numpy(predict_features(model, valid[0])).to(device)  # (M, F)
    multi_label = np.ndim(train[1]) == 2
    dtype = torch.float32 if multi_label else torch.long
    train_y = torch.as_tensor(np.asarray(train[1]), dtype=dtype, device=device)  # (N, C) | (N,)
    loss_function = nn.BCEWithLogitsLoss() if multi_label else nn.CrossEntropyLoss()
    head_lr = config.lr * HEAD_LR_MULT
    optimizer = torch.optim.AdamW(model.head.parameters(), lr=head_lr, weight_decay=config.weight_decay)
    result = TrainResult(config={**asdict(config), "head_only": True, "head_lr": head_lr})
    stopper = EarlyStopping(model.head, config.patience + 2)
    for epoch in range(1, HEAD_MAX_EPOCHS + 1):
        epoch_start, total = time.perf_counter(), 0.0
        model.train()
        order = rng.permutation(len(train_x))
        for start in range(0, len(order), config.batch_size):
            batch = torch.from_numpy(order[start : start + config.batch_size]).to(device)
            loss = loss_function(model.forward_head(train_x[batch]), train_y[batch])  # (B, C) vs (B,) | (B, C)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
        model.eval()
        with torch.inference_mode():
            report, score = score_logits(model.forward_head(valid_x).float().cpu().numpy(), valid[1], labels)
        result.history.append(EpochLog(epoch, total / len(train_x), report["accuracy"], report["macro_f1"],
                                       time.perf_counter() - epoch_start, report.get("micro_f1")))  # fmt: skip
        stop = stopper.step(score, epoch)
        if stopper.improved:
            result.best_epoch, result.best_valid = epoch, report
        if stop:
            break
    stopper.restore()
    model.eval()
    result.seconds = time.perf_counter() - started
    log.info("head trained on fixed features: epoch %d of %d kept", result.best_epoch, len(result.history))
    return result
