"""``convtext.load``: a trained classifier from any saved model folder, single-task or one task of a multi-task one."""

from __future__ import annotations

from pathlib import Path

from .._errors import ConvtextError
from ..classifier import TextClassifier, pretrained_source
from ._classifier import MultiTaskClassifier

__all__ = ["load"]


def load(model: str | Path, task: str | None = None) -> TextClassifier:
    """``convtext.load(model)``: a trained classifier from a saved model folder, a zoo model's name (built; else an
    error saying how to build it) or a Hugging Face Hub id (owner/name); ``task`` picks one task of a multi-task
    model (``convtext train --task ...``). Every command that takes a model resolves it here."""
    source = pretrained_source(model)
    if not isinstance(source, Path):
        raise ConvtextError(
            f"{model} is a pretrained body, not a classifier — train one on it: `convtext train DATA --from {model}`"
        )
    if task is None:
        return TextClassifier.load(source)
    return MultiTaskClassifier.load(source).task(task)
