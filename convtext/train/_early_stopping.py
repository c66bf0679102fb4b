"""Early stopping: keep the weights of the best validation score, stop after ``patience`` epochs without one."""

from __future__ import annotations

import copy

import torch.nn as nn

__all__ = ["EarlyStopping"]


class EarlyStopping:
    """``step(score, epoch)`` after each validation; ``True`` means stop. ``restore()`` loads the best weights.

    ``mode="max"`` for accuracy or cosine, ``"min"`` for an error such as RMSE; ties keep the earlier epoch. A
    tuple score compares in order: ``(accuracy, -loss)`` breaks accuracy ties on the loss.
    """

    def __init__(self, module: nn.Module, patience: int, mode: str = "max"):
        self.module, self.patience, self.higher_is_better = module, patience, mode == "max"
        self.best_score: float | tuple | None = None
        self.best_epoch, self.stale, self._state = 0, 0, None

    def step(self, score: float | tuple, epoch: int) -> bool:
        """Record the epoch's score; returns whether training should stop."""
        best = self.best_score
        if best is None or (score > best if self.higher_is_better else score < best):
            self.best_score, self.best_epoch, self.stale = score, epoch, 0
            self._state = copy.deepcopy(self.module.state_dict())
            return False
        self.stale += 1
        return self.stale >= self.patience

    @property
    def improved(self) -> bool:
        """Whether the last ``step`` set a new best."""
        return self.stale == 0

    @property
    def best_state(self) -> dict | None:
        """The best weights so far (``None`` before the first step)."""
        return self._state

    def resume(self, best_score: float | list | None, best_epoch: int, stale: int, best_state: dict | None) -> None:
        """Take up counting where a checkpointed run stopped (a tuple score comes back from JSON as a list)."""
        best_score = tuple(best_score) if isinstance(best_score, list) else best_score
        self.best_score, self.best_epoch, self.stale, self._state = best_score, best_epoch, stale, best_state

    def restore(self) -> None:
        if self._state is not None:
            self.module.load_state_dict(self._state)
        self.module.eval()
