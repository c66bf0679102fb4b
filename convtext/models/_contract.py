"""The contract every convtext model follows: a body (embedding + encoder) and a linear head.

Mask convention: ``mask`` is ``(B, T)`` bool, ``True`` = real token; when omitted it is
``ids != pad_id``.
"""

from __future__ import annotations

import logging

import torch
import torch.nn as nn

__all__ = ["TextModel"]

log = logging.getLogger(__name__)


class TextModel(nn.Module):
    """Base class: subclasses build ``self.head`` (``nn.Linear``) and implement ``forward_features``."""

    architecture: str = ""
    pad_id: int = 0
    num_features: int
    head: nn.Linear

    def forward_features(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``(B, T)`` ids and mask -> ``(B, num_features)`` sentence vectors."""
        raise NotImplementedError

    def forward_head(self, features: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        """``(B, num_features)`` -> ``(B, num_classes)`` logits (or the features after dropout)."""
        features = self.dropout(features)
        return features if pre_logits else self.head(features)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        if mask is None:
            mask = ids != self.pad_id
        return self.forward_head(self.forward_features(ids, mask))

    @property
    def num_classes(self) -> int:
        return self.head.out_features

    def get_classifier(self) -> nn.Linear:
        return self.head

    def reset_classifier(self, num_classes: int) -> None:
        """A new, freshly initialised head for ``num_classes`` classes (the body is kept)."""
        if num_classes != self.num_classes:
            log.info("head dropped: %d → %d classes", self.num_classes, num_classes)
        self.head = nn.Linear(self.num_features, num_classes)

    def group_matcher(self) -> dict[str, list[str]]:
        """Layer groups, bottom to top, as parameter-name prefixes (for freezing and learning rates)."""
        raise NotImplementedError

    def config(self) -> dict:
        """The hyperparameters that rebuild this model with ``create_model(architecture, **config)``."""
        raise NotImplementedError
