"""Training a model's outputs to match target vectors (cosine), with early stopping on held-out cosine."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

import numpy as np
import torch
import torch.nn as nn

from ..train import (
    EarlyStopping,
    TrainConfig,
    autocast,
    bucketed_batches,
    linear_decay,
    min_input_length,
    pad_batch,
    predict_logits,
    resolve_device,
    set_threads,
)

__all__ = ["fit_vectors", "predict_vectors"]

log = logging.getLogger(__name__)


def predict_vectors(model: nn.Module, sequences: Sequence[Sequence[int]], batch_size: int = 256) -> np.ndarray:
    """``(N, D)`` unit-length model outputs in input order."""
    vectors = predict_logits(model, sequences, batch_size)  # (N, D): the head's outputs
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def mean_cosine(predicted: np.ndarray, target: np.ndarray) -> float:
    """Mean cosine similarity of unit-length rows ``(N, D)``."""
    return float(np.mean(np.sum(predicted * target, axis=1)))


def fit_vectors(
    model: nn.Module,
    train: tuple[Sequence[Sequence[int]], np.ndarray],
    valid: tuple[Sequence[Sequence[int]], np.ndarray],
    config: TrainConfig,
) -> tuple[list[dict], int]:
    """Train ``model`` so that its output for each text points where the target vector does (1 - cosine).

    Keeps the weights of the epoch with the best validation cosine; returns the history and that epoch.
    """
    set_threads(config.threads)
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    device = resolve_device(config.device)
    model.to(device)
    train_ids, train_targets = train[0], torch.as_tensor(train[1], device=device)  # (N, D)
    lengths = [len(ids) for ids in train_ids]
    min_length = min_input_length(model)
    optimizer = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=config.lr, weight_decay=config.weight_decay
    )
    total_steps = config.epochs * -(-len(train_ids) // config.batch_size)
    scheduler = linear_decay(optimizer, total_steps)
    history, stopper = [], EarlyStopping(model, config.patience)
    for epoch in range(1, config.epochs + 1):
        started, total = time.perf_counter(), 0.0
        model.train()
        for batch in bucketed_batches(lengths, config.batch_size, rng):
            ids, mask = pad_batch([train_ids[i] for i in batch], model.pad_id, min_length)  # (B, T)
            with autocast(device, config.mixed_precision):
                output = model(ids.to(device), mask.to(device))  # (B, D)
            loss = 1.0 - nn.functional.cosine_similarity(output.float(), train_targets[batch], dim=-1).mean()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
            optimizer.step()
            scheduler.step()
            total += loss.item() * len(batch)
        cosine = mean_cosine(predict_vectors(model, valid[0]), valid[1])
        history.append({"epoch": epoch, "train_loss": total / len(train_ids), "valid_cosine": cosine,
                        "seconds": time.perf_counter() - started})  # fmt: skip
        log.info("epoch %d: loss %.4f  valid cosine %.4f", epoch, history[-1]["train_loss"], cosine)
        if stopper.step(cosine, epoch):
            break
    stopper.restore()
    return history, stopper.best_epoch
