"""How each layer group learns in transfer: frozen, discriminative learning rates, gradual unfreezing."""

from __future__ import annotations

import logging
from collections.abc import Callable

from .._errors import ConvtextError
from ..models import TextModel

__all__ = ["TRANSFER_MODES", "discriminative_groups", "gradual_unfreezing", "prepare_transfer"]

log = logging.getLogger(__name__)

TRANSFER_MODES = ("feature-extraction", "fine-tune", "full")
WARMUP_EPOCHS = 1  # fine-tuning: every rate, the head's too, rises from 0 over the first epoch (docs/decisions.md)


def discriminative_groups(
    model: TextModel,
    lr: float,
    body_lr_mult: float = 1.0,
    lr_range: tuple[float, float] | None = None,
    warmup_epochs: float = 0,
) -> list[dict]:
    """AdamW parameter groups, one per layer group, bottom to top, each with its own ``lr``.

    ``lr_range=(lo, hi)`` spreads the rates geometrically from ``lo`` (lowest group) to ``hi`` (the
    head), like fastai's ``slice(lo, hi)``; otherwise the head learns at ``lr`` and every body group
    at ``lr * body_lr_mult``. Frozen parameters are included: they get no gradient (so AdamW leaves
    them untouched) until gradual unfreezing lets them learn. Every group rises from rate 0 over
    ``warmup_epochs`` (the engine's ``learning_rate_schedule``).
    """
    groups = model.layer_groups()
    count = len(groups)
    if lr_range is not None:
        lo, hi = lr_range
        if not 0 < lo <= hi:
            raise ConvtextError(f"lr_range must be (lo, hi) with 0 < lo <= hi, got {lr_range}")
        rates = [lo * (hi / lo) ** (i / max(count - 1, 1)) for i in range(count)]
    else:
        if body_lr_mult < 0:
            raise ConvtextError(f"body_lr_mult must be >= 0, got {body_lr_mult}")
        rates = [lr * body_lr_mult] * (count - 1) + [lr]
    return [
        {"params": [p for _, p in members], "lr": rate, "name": group, "warmup_epochs": warmup_epochs}
        for (group, members), rate in zip(groups.items(), rates)
        if members
    ]


def gradual_unfreezing(model: TextModel) -> Callable[[int], None]:
    """``on_epoch_start``: epoch 1 trains the head only, each later epoch one more group from the top."""
    count = len(model.layer_groups())

    def unfreeze_for(epoch: int) -> None:
        model.freeze_to(max(count - epoch, 0))
        trainable = [row["group"] for row in model.parameter_summary() if row["trainable"]]
        log.info("epoch %d trains %s", epoch, ", ".join(trainable))

    return unfreeze_for


def prepare_transfer(
    model: TextModel,
    mode: str,
    lr: float,
    body_lr_mult: float = 1.0,
    lr_range: tuple[float, float] | None = None,
    unfreeze_schedule: str | None = None,
) -> tuple[list[dict], Callable[[int], None] | None]:
    """Freeze and group ``model`` for ``mode``; returns AdamW's parameter groups and the epoch hook.

    ``feature-extraction``: the body is frozen, only the head learns. ``fine-tune``: every group
    learns, the body at ``body_lr_mult`` times the head's rate (or the ``lr_range`` spread), every rate
    rising from 0 over ``WARMUP_EPOCHS``, optionally unfrozen one group per epoch
    (``unfreeze_schedule="gradual"``). ``full``: every group at the same rate from the first step — the pretrained
    weights are only the starting point.
    """
    if mode not in TRANSFER_MODES:
        raise ConvtextError(f"unknown transfer mode {mode!r} — use one of {', '.join(TRANSFER_MODES)}")
    if unfreeze_schedule not in (None, "gradual"):
        raise ConvtextError(f"unfreeze_schedule must be None or 'gradual', got {unfreeze_schedule!r}")
    if unfreeze_schedule and mode != "fine-tune":
        raise ConvtextError(f"gradual unfreezing is a fine-tune schedule; mode {mode!r} does not use it")
    if mode == "feature-extraction":
        model.freeze()
        return discriminative_groups(model, lr, body_lr_mult=0.0), None
    model.unfreeze()
    if mode == "full":
        return discriminative_groups(model, lr, body_lr_mult=1.0), None
    groups = discriminative_groups(model, lr, body_lr_mult, lr_range, WARMUP_EPOCHS)
    return groups, gradual_unfreezing(model) if unfreeze_schedule else None
