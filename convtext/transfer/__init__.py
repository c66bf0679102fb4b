"""Transfer learning: reuse a trained model's body for a new task (feature extraction, fine-tuning)."""

from ._head import HEAD_CS, fit_head
from ._rates import TRANSFER_MODES, discriminative_groups, gradual_unfreezing, prepare_transfer
from ._vocabulary import extend_vocabulary

__all__ = [
    "HEAD_CS",
    "TRANSFER_MODES",
    "discriminative_groups",
    "extend_vocabulary",
    "fit_head",
    "gradual_unfreezing",
    "prepare_transfer",
]
