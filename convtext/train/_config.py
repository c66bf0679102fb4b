"""The training settings and the record of a run: ``TrainConfig``, ``EpochLog``, ``TrainResult``."""

from __future__ import annotations

from dataclasses import dataclass, field

from .._errors import ConvtextError

__all__ = ["EpochLog", "TrainConfig", "TrainResult", "ensemble_result"]


@dataclass
class TrainConfig:
    """How to train. Defaults follow Kim (2014) where it is known to work, AdamW where it is simpler."""

    epochs: int = 8
    batch_size: int = 50  # Kim's mini-batch size
    lr: float = 2e-3  # AdamW peak rate; Kim's Adadelta needs no rate but converges more slowly
    weight_decay: float = 1e-4
    patience: int = 3  # epochs without a better validation score before stopping
    grad_clip: float = 1.0  # max gradient norm; keeps the first steps of random embeddings tame
    lr_schedule: str = "linear"  # decay to 0 over all epochs (as fastText does; +0.7 on SST-2), or "constant"
    class_weights: bool = False  # weight the loss by inverse class frequency (imbalanced labels)
    seed: int = 0
    threads: int | None = None  # None = the free cores up to a cap, looked at every second (convtext.infer)
    progress: bool = True
    progress_label: str = ""  # what the progress bar names before the epoch, e.g. "member 2/3 "
    device: str = "auto"  # auto (CUDA when there is a GPU), cpu or cuda
    mixed_precision: bool = True  # bfloat16 autocast on CUDA (ignored on CPU)

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size", "patience"):
            if getattr(self, name) < 1:
                raise ConvtextError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.lr <= 0:
            raise ConvtextError(f"lr must be positive, got {self.lr}")
        if self.lr_schedule not in ("linear", "constant"):
            raise ConvtextError(f"lr_schedule must be 'linear' or 'constant', got {self.lr_schedule!r}")


@dataclass
class EpochLog:
    epoch: int
    train_loss: float
    valid_accuracy: float  # multi-label: exact-match accuracy
    valid_macro_f1: float
    seconds: float
    valid_micro_f1: float | None = None  # multi-label only: what picks the best epoch there
    valid_loss: float | None = None  # cross-entropy (multi-label: binary) of the validation set


@dataclass
class TrainResult:
    """What training did: one log per epoch, the epoch whose weights were kept, its validation report."""

    history: list[EpochLog] = field(default_factory=list)
    best_epoch: int = 0
    best_valid: dict = field(default_factory=dict)
    seconds: float = 0.0
    config: dict = field(default_factory=dict)


def ensemble_result(results: list[TrainResult], best_valid: dict, seed: int, member_scores: list) -> TrainResult:
    """The record of an ensemble whose members trained each alone: the first member's curve, the joined
    model's validation report, the members' seconds summed (a caller that trained them side by side sets the wall
    time), ``config["members"]`` one entry per member (with its validation curve)."""
    members = [{"seed": seed + index, "best_epoch": result.best_epoch, "valid_accuracy": score,
                "valid_curve": [entry.valid_accuracy for entry in result.history]}
               for index, (result, score) in enumerate(zip(results, member_scores))]  # fmt: skip
    return TrainResult(
        history=results[0].history, best_epoch=results[0].best_epoch, best_valid=best_valid,
        seconds=sum(r.seconds for r in results), config={**results[0].config, "seed": seed, "members": members},
    )  # fmt: skip
