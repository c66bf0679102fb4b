"""Feature extraction done once: the frozen body's sentence vectors are computed a single time and the
new head is fitted on them as an L2-regularised logistic regression (softmax; sigmoid per label for
multi-label) on standardised features, its strength ``C`` chosen on the validation set — the classic
linear probe, convex and solved to convergence by L-BFGS."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import asdict

import numpy as np
import torch
import torch.nn as nn

from ..models import TextModel
from ..train import TrainConfig, TrainResult, predict_features, resolve_device, score_logits, set_threads

__all__ = ["HEAD_CS", "fit_head"]

log = logging.getLogger(__name__)

# Inverse L2 strength, as scikit-learn's C (loss = C·Σ loss_i + ½‖W‖²), strongest first. Pooled CNN
# features are many and correlated: on the Kim suite the best C was often 0.001–0.01.
HEAD_CS = (1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 10.0, 100.0)


def _standardizer(train_x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-feature mean and spread ``(F,)`` each; constant features keep a spread of 1."""
    mean, std = train_x.mean(dim=0), train_x.std(dim=0)
    return mean, torch.where(std > 1e-6, std, torch.ones_like(std))


def _fit_linear(
    head: nn.Linear, x: torch.Tensor, y: torch.Tensor, loss_function: nn.Module, c: float, max_iter: int = 200,
) -> float:  # fmt: skip
    """Minimise ``mean loss + ‖W‖² / (2·C·N)`` over ``head`` (warm-started) with L-BFGS; the final loss."""
    optimizer = torch.optim.LBFGS(head.parameters(), lr=1.0, max_iter=max_iter, line_search_fn="strong_wolfe")
    penalty = 1.0 / (2.0 * c * len(x))

    def objective() -> torch.Tensor:
        optimizer.zero_grad(set_to_none=True)
        loss = loss_function(head(x), y) + penalty * head.weight.pow(2).sum()  # (N, C) vs (N,) | (N, C)
        loss.backward()
        return loss

    return float(optimizer.step(objective).detach())


def fit_head(
    model: TextModel,
    train: tuple[Sequence[Sequence[int]], Sequence[int] | np.ndarray],
    valid: tuple[Sequence[Sequence[int]], Sequence[int] | np.ndarray],
    labels: Sequence[str],
    config: TrainConfig,
) -> TrainResult:
    """Fit only ``model.head`` on cached features: one logistic regression per ``C`` in ``HEAD_CS``
    (weakest regularisation last, each warm-started from the previous), the best on validation kept. No epochs:
    the result's history is empty, ``config["head_search"]`` lists every C with its validation scores.

    The standardisation is folded into the head's weights, so the model keeps reading raw features.
    """
    set_threads(config.threads)
    torch.manual_seed(config.seed)
    started = time.perf_counter()
    device = resolve_device(config.device)
    model.to(device)
    train_x = torch.from_numpy(predict_features(model, train[0])).to(device)  # (N, F)
    valid_x = torch.from_numpy(predict_features(model, valid[0])).to(device)  # (M, F)
    mean, std = _standardizer(train_x)  # (F,), (F,)
    multi_label = np.ndim(train[1]) == 2
    train_y = torch.as_tensor(np.asarray(train[1]), dtype=torch.float32 if multi_label else torch.long, device=device)
    loss_function = nn.BCEWithLogitsLoss() if multi_label else nn.CrossEntropyLoss()
    probe = nn.Linear(train_x.shape[1], model.head.out_features).to(device)  # on standardised features
    nn.init.zeros_(probe.weight)
    nn.init.zeros_(probe.bias)
    result = TrainResult(config={**asdict(config), "head": "logistic regression", "head_cs": list(HEAD_CS)})
    search, best = [], None  # one entry per C tried: a regularisation strength, not an epoch
    for c in HEAD_CS:
        with torch.enable_grad():
            loss = _fit_linear(probe, (train_x - mean) / std, train_y, loss_function, c)
        with torch.inference_mode():
            logits = probe((valid_x - mean) / std)  # (M, C)
        report, score = score_logits(logits.float().cpu().numpy(), valid[1], labels)
        search.append({"c": c, "train_loss": loss, "valid_accuracy": report["accuracy"],
                       "valid_macro_f1": report["macro_f1"]})  # fmt: skip
        if best is None or score > best[0]:
            best = (score, c, probe.weight.detach().clone(), probe.bias.detach().clone())
            result.best_valid = report
    _, c, weight, bias = best
    with torch.no_grad():  # W·(x - μ)/σ + b  ==  (W/σ)·x + (b - W·μ/σ)
        model.head.weight.copy_(weight / std)
        model.head.bias.copy_(bias - (weight / std) @ mean)
    result.config["head_c"], result.config["head_search"] = c, search
    model.eval()
    result.seconds = time.perf_counter() - started
    log.info("head fitted on fixed features: logistic regression, C=%g chosen on validation", c)
    return result
