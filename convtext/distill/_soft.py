"""The task-distillation loss: the student matches its teacher's outputs, mixed with the true labels where known."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn

from .._errors import ConvtextError

__all__ = ["NO_LABEL", "DistillConfig", "SoftTargetLoss", "soft_targets"]

NO_LABEL = -1  # the label id of a text only the teacher labelled (augmented or unlabelled)
SOFT_LOSSES = ("mse", "kl")


@dataclass(frozen=True)
class DistillConfig:
    """``loss``: ``mse`` between logits (Tang et al. 2019) or ``kl`` between temperature-softened
    distributions (Hinton et al. 2015, scaled by T²); ``alpha``: the weight of cross-entropy on the
    true labels (texts without one get only the soft loss)."""

    loss: str = "mse"
    alpha: float = 0.0
    temperature: float = 2.0

    def __post_init__(self) -> None:
        if self.loss not in SOFT_LOSSES:
            raise ConvtextError(f"soft loss must be one of {', '.join(SOFT_LOSSES)}, got {self.loss!r}")
        if not 0.0 <= self.alpha <= 1.0:
            raise ConvtextError(f"alpha (the true labels' weight) must be in [0, 1], got {self.alpha}")
        if self.temperature <= 0:
            raise ConvtextError(f"temperature must be positive, got {self.temperature}")


def soft_targets(teacher_logits, label_ids) -> torch.Tensor:
    """``(N, C + 1)`` training rows: the teacher's logits, then the label id (``NO_LABEL`` where none)."""
    logits = torch.as_tensor(teacher_logits, dtype=torch.float32)  # (N, C)
    labels = torch.as_tensor(label_ids, dtype=torch.float32).reshape(-1, 1)  # (N, 1)
    return torch.cat([logits, labels], dim=1)


class SoftTargetLoss(nn.Module):
    """``(1 - alpha) * soft(student, teacher) + alpha * cross_entropy(student, label)`` over rows of
    ``soft_targets``; the cross-entropy averages over the labelled rows of the batch only."""

    def __init__(self, config: DistillConfig = DistillConfig()):
        super().__init__()
        self.config = config

    def soft(self, student: torch.Tensor, teacher: torch.Tensor) -> torch.Tensor:
        """Zero when ``student`` equals ``teacher`` (both ``(B, C)`` logits)."""
        if self.config.loss == "mse":
            return nn.functional.mse_loss(student, teacher)
        t = self.config.temperature
        log_student = nn.functional.log_softmax(student / t, dim=-1)  # (B, C)
        log_teacher = nn.functional.log_softmax(teacher / t, dim=-1)  # (B, C)
        return nn.functional.kl_div(log_student, log_teacher, log_target=True, reduction="batchmean") * t * t

    def forward(self, student: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
        teacher, labels = rows[:, :-1], rows[:, -1].long()  # (B, C), (B,)
        loss = self.soft(student, teacher)
        labelled = labels != NO_LABEL
        if self.config.alpha > 0 and labelled.any():
            hard = nn.functional.cross_entropy(student[labelled], labels[labelled])
            loss = (1 - self.config.alpha) * loss + self.config.alpha * hard
        return loss
