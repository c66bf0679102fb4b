"""``convtext.load``: a trained classifier from any saved model folder, single-task or one task of a multi-task one."""

from __future__ import annotations

from pathlib import Path

from ..classifier import TextClassifier
from ._classifier import MultiTaskClassifier

__all__ = ["load"]


def load(folder: str | Path, task: str | None = None) -> TextClassifier:
    """``convtext.load(folder)``: a trained classifier from a saved model folder; ``task`` picks one task of a
    multi-task model (``convtext train --task ...``)."""
    if task is None:
        return TextClassifier.load(folder)
    return MultiTaskClassifier.load(folder).task(task)
