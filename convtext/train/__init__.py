"""Training and evaluation: the engine (``run``) and its steps, metrics, plots, checkpoints, DDP (prediction's names
re-exported from infer)."""

from ..infer import (
    DEVICES,
    autocast,
    batch_tensors,
    bucketed_batches,
    confined_cores,
    min_input_length,
    model_device,
    pad_batch,
    parallel_training,
    predict_features,
    predict_logits,
    resolve_device,
    sequence_lengths,
    set_threads,
    sorted_batches,
)
from ..runtime import classification_report, confusion_matrix, multilabel_report
from ._checkpoint import fingerprint, remove_checkpoints, stage_checkpoint
from ._classification import ClassificationStep, fit, score_logits
from ._config import EpochLog, TrainConfig, TrainResult, ensemble_result
from ._distributed import is_main_process
from ._early_stopping import EarlyStopping
from ._engine import learning_rate_schedule, progress_bar, run
from ._parallel import can_fork_trainings, train_side_by_side
from ._plots import (
    plot_confusion_matrix,
    plot_head_search,
    plot_reliability,
    plot_training_curve,
    plot_trials,
)
from ._row_gradients import clip_gradient_norm
from ._step import EpochEnd, Passes, TrainingStep

__all__ = [
    "DEVICES",
    "ClassificationStep",
    "EpochEnd",
    "Passes",
    "TrainingStep",
    "EarlyStopping",
    "EpochLog",
    "TrainConfig",
    "TrainResult",
    "autocast",
    "batch_tensors",
    "bucketed_batches",
    "can_fork_trainings",
    "classification_report",
    "clip_gradient_norm",
    "confined_cores",
    "confusion_matrix",
    "ensemble_result",
    "fingerprint",
    "fit",
    "is_main_process",
    "learning_rate_schedule",
    "min_input_length",
    "model_device",
    "multilabel_report",
    "pad_batch",
    "parallel_training",
    "plot_confusion_matrix",
    "plot_head_search",
    "plot_reliability",
    "plot_training_curve",
    "plot_trials",
    "predict_features",
    "predict_logits",
    "progress_bar",
    "remove_checkpoints",
    "resolve_device",
    "run",
    "score_logits",
    "sequence_lengths",
    "set_threads",
    "sorted_batches",
    "stage_checkpoint",
    "train_side_by_side",
]
